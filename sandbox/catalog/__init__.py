"""The column inventory, the seed of the product: what every column of a source is, why it is kept, for how long.

`model` is the catalog itself (classes, purposes, keys and links, retention); `store` keeps every saved version in
the governance store; `edit` is how stewards change it, with a reason; `inventory` shows and exports it (the
record of processing, k-anonymity); `plan` says what each column becomes in the vault (pseudonym,
generalization, kept or dropped). It holds no rows: the Lab and the council read it without reaching the vault.
"""
