from partners.models.agreements import Agreement, Commitment, CommitmentProgress, Signatory
from partners.models.declarations import SupplyDeclaration, SupplyLine
from partners.models.registry import (
    Company,
    Membership,
    Organization,
    Person,
    ProductSupplier,
    Representation,
)

__all__ = [
    "Agreement",
    "Commitment",
    "CommitmentProgress",
    "Company",
    "Membership",
    "Organization",
    "Person",
    "ProductSupplier",
    "Representation",
    "Signatory",
    "SupplyDeclaration",
    "SupplyLine",
]
