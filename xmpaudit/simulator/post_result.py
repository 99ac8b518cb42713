"""What the Sling POST servlet answers, and absolute item paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PostResult:
    """What the Sling POST servlet answers (rendered as its JSON response)."""

    path: str
    status: int = 200
    message: str = "OK"
    changes: list[dict[str, str]] = field(default_factory=list)
    created: bool = False
    error: tuple[str, str] | None = None

    def change(self, kind: str, argument: str) -> None:
        self.changes.append({"type": kind, "argument": argument})

    def to_json(self) -> dict[str, Any]:
        parent = self.path.rsplit("/", 1)[0] or "/"
        body: dict[str, Any] = {
            "changes": self.changes,
            "path": self.path,
            "location": self.path,
            "parentLocation": parent,
            "status.code": self.status,
            "status.message": self.message,
            "title": ("Content created " if self.created else "Content modified ") + self.path,
            "referer": "",
        }
        if self.created:
            body["isCreate"] = True  # Sling leaves the key out otherwise
        if self.error:
            body["error"] = {"class": self.error[0], "message": self.error[1]}
            body["status.message"] = f"{self.error[0]}: {self.error[1]}"
            body["title"] = f"Error while processing {self.path}"
        return body


def failed(path: str, status: int, kind: str, message: str) -> PostResult:
    return PostResult(path, status=status, message=message, error=(kind, message))


def absolute_path(base: str, name: str) -> str:
    if name.startswith("/"):
        return name
    parts = [p for p in base.split("/") if p]
    for segment in name.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if parts:
                parts.pop()
        else:
            parts.append(segment)
    return "/" + "/".join(parts)
