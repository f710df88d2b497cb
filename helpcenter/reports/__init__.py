"""Reports for the people who run the help center (the support team's dashboard)."""
