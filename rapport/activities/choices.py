from django.db import models


class ActivityKind(models.TextChoices):
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"
    TASK = "task", "Task"
    NOTE = "note", "Note"
    EMAIL = "email", "Logged email"


class CallOutcome(models.TextChoices):
    CONNECTED = "connected", "Connected"
    LEFT_VOICEMAIL = "voicemail", "Left voicemail"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    WRONG_NUMBER = "wrong_number", "Wrong number"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Changed"
    DELETED = "deleted", "Moved to trash"
    RESTORED = "restored", "Restored from trash"
    STAGE_CHANGED = "stage_changed", "Stage changed"
    LEAD_CONVERTED = "lead_converted", "Lead converted"
    LEAD_ATTACHED = "lead_attached", "Lead attached to deal"
    LEAD_QUALIFIED = "lead_qualified", "Lead qualified"
    LEAD_DISQUALIFIED = "lead_disqualified", "Lead disqualified"
    ACTIVITY_LOGGED = "activity_logged", "Activity"
    TASK_DONE = "task_done", "Task done"
    ORDER_PLACED = "order_placed", "Order placed"
    MERGED = "merged", "Merged"
    IMPORTED = "imported", "Imported"
