"""What the questionnaires app announces to the apps built on it, without knowing them.

`answers_changed` is sent inside the transaction of every write that changes what the stored figures
count: a responded response written, reviewed, imported or deleted, an invitation added or removed.
Receivers run synchronously in that transaction (analytics marks the figures stale there, so the
mark and the change commit together) and receive `campaign_id`.
"""

from django.dispatch import Signal

answers_changed = Signal()


def answers_changed_announce(*, campaign_id: int) -> None:
    answers_changed.send(sender=None, campaign_id=campaign_id)
