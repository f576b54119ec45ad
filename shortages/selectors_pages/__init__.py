"""Read queries behind the pages (overview, medicine, territory, alerts, home). Each returns plain
data for one page in a fixed number of queries, whatever the size of the data."""
