"""Reading the sandbox's record page as a rep reads it: its cards, each with its rows of label and
value lines."""

from __future__ import annotations

from html.parser import HTMLParser


class Cards(HTMLParser):
    """The page's cards: each one's title and its (label, value lines) rows, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[tuple[str, list[tuple[str, list[str]]]]] = []
        self.scripts = 0
        self._where = ""  # "h2", "dt" or "dd" while inside one

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        if tag == "section":
            self.cards.append(("", []))
        elif tag in ("h2", "dt", "dd"):
            self._where = tag
            if tag == "dd":
                self.cards[-1][1][-1][1].append("")
        elif tag == "li" and self._where == "dd":
            lines = self.cards[-1][1][-1][1]
            if lines[-1]:
                lines.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._where:
            self._where = ""

    def handle_data(self, data: str) -> None:
        if not self._where or not data.strip():
            return
        title, rows = self.cards[-1]
        if self._where == "h2":
            self.cards[-1] = (title + data.strip(), rows)
        elif self._where == "dt":
            rows.append((data.strip(), []))
        else:
            rows[-1][1][-1] += data.strip()

    def card(self, title: str) -> dict[str, list[str]]:
        return {label: values for name, rows in self.cards if name == title for label, values in rows}


def parse(html: str) -> Cards:
    cards = Cards()
    cards.feed(html)
    return cards
