netrun-auth keygen    # writes private_key.pem (mode 0600) and public_key.pem: RSA 2048, for RS256
