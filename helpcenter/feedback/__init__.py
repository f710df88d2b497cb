"""Reader feedback: article votes and unanswered searches, reported to writers."""
