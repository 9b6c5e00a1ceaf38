"""The consensus of a draft: the rules (pure), its marks in the Y.Doc `info`, and its records."""
