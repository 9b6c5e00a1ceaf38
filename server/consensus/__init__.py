"""The consensus workflow of a document: status changes, locks, silence, adoption and its clock."""
