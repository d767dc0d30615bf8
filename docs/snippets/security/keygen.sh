# On the host that holds signing keys: the new pair, private key mode 0600.
netrun-auth keygen --type rsa3072 --out-dir keys --name 2026-12 --public-name 2026-12.pub
