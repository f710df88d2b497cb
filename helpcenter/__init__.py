"""helpcenter: a static, multilingual help center built on MkDocs."""
