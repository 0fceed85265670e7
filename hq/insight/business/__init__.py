"""Feedback next to the business: a store's transactions, sales, footfall and staff per
hour, imported from the chain's systems (:mod:`.layout` reads and checks the CSV,
:mod:`.saving` writes it all or nothing), and what they say of the ratings: the response
rate, ratings per 100 transactions or visitors (:mod:`.rates`)."""
