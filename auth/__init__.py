"""Identity and the policy: who is asking, and what they may do."""

from auth.policy import Decision, may_edit_text, may_read_document
from auth.principal import Principal

__all__ = ["Decision", "Principal", "may_edit_text", "may_read_document"]
