"""What the feedback endpoints take: checked by helpcenter.feedback.api, and given to the pages
(the build's feedback settings) for the browser to keep to, without the build loading the
endpoint."""

# A comment on an article, and the unanswered searches a page sends in one batch.
MAX_COMMENT = 1000
MAX_QUERY = 100
MAX_QUERIES = 20
