from stock.models.access import ApiToken, AuditEntry, IdempotencyRecord, hash_token
from stock.models.catalogue import Medicine, Product
from stock.models.inventory import (
    ConsumptionMonth,
    ImportJob,
    MonthlyReport,
    StockLevel,
    StockLot,
    StockMovement,
    Transfer,
)
from stock.models.territory import Establishment, Province, Region

__all__ = [
    "ApiToken",
    "AuditEntry",
    "ConsumptionMonth",
    "Establishment",
    "IdempotencyRecord",
    "ImportJob",
    "Medicine",
    "MonthlyReport",
    "Product",
    "Province",
    "Region",
    "StockLevel",
    "StockLot",
    "StockMovement",
    "Transfer",
    "hash_token",
]
