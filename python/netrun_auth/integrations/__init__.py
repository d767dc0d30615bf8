"""Integrations with identity providers (``azure_ad``: Microsoft Entra ID) and Swagger UI (``openapi``)."""
