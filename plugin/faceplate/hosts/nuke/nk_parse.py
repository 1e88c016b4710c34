"""Nuke's script text (``.nk``, ``.gizmo``): quoting, and a parser for the subset faceplate uses.

Nuke scripts are Tcl-like. A script is a list of statements, one per line: node blocks
(``Blur {`` knob lines ``}``), and commands (``set N [stack 0]``, ``push $N``, ``add_layer {...}``,
``end_group``, ``version 15.1 v2``). Inside a node block every knob is ``name value``, where the value is
one *word*: bare (``0.5``), double-quoted with backslash escapes (``"pass through"``), braced and taken
literally (``{100 200}``, ``{{curve x1001 0 x1010 1}}``) or bracketed Tcl (``[stack 0]``).

What this module reads: node blocks with their knob values and ``addUserKnob`` declarations, group
nesting (``end_group``), the ``set``/``push`` stack (to recover connections), and animation curves
(``curve [K|L|S|R|C] [k|l] xFRAME VALUE [sSLOPE] [tSLOPE] ...``). It does not evaluate Tcl or
expressions: those stay text, and callers that need numbers say so in their errors.
"""

from __future__ import annotations

import dataclasses
import re

from faceplate.foundation.errors import ScriptError

# Characters that may stay bare in a word; anything else is double-quoted.
_BARE = re.compile(r"^[A-Za-z0-9_.+\-/:#%@,=]+$")
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "[": "\\[",
    "]": "\\]",
    "$": "\\$",
    "{": "\\{",
    "}": "\\}",
    "\n": "\\n",
    "\t": "\\t",
}
_UNESCAPES = {"n": "\n", "t": "\t"}

# Statements at script level that are commands, not node blocks.
COMMANDS = ("set", "push", "add_layer", "version", "end_group", "define_window_layout_xml")
# Node classes that have no input unless their ``inputs`` knob says otherwise (for the stack).
ZERO_INPUT_CLASSES = (
    "Read",
    "Input",
    "Constant",
    "CheckerBoard2",
    "ColorWheel",
    "Root",
    "BackdropNode",
    "StickyNote",
    "Viewer",
)
# Classes whose block is followed by their member nodes and ``end_group``. A gizmo *instance* in a
# script (``FaceDetect {...}``) has no members there: they come from its .gizmo file.
GROUP_CLASSES = ("Group", "Gizmo", "LiveGroup")


def quote(text: str) -> str:
    """``text`` as one Nuke word: bare when it is safe, else double-quoted with escapes.

    Example:
        >>> quote("0.5"), quote("pass through"), quote("")
        ('0.5', '"pass through"', '""')
    """
    if _BARE.match(text):
        return text
    return '"' + "".join(_ESCAPES.get(c, c) for c in text) + '"'


def braced(words: list[str]) -> str:
    """Words (already quoted where needed) as one braced Nuke list: ``{a b c}``."""
    return "{" + " ".join(words) + "}"


def number(value: float) -> str:
    """A float the shortest way that reads back exactly (``1001`` for ``1001.0``)."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclasses.dataclass(frozen=True)
class Word:
    """One word of script text. ``braced`` words keep their text literally (a list, a curve, Tcl)."""

    text: str
    braced: bool = False

    def words(self) -> list[Word]:
        """This word read as a list of words (``{100 200}`` -> ``100``, ``200``)."""
        return split_words(self.text)


class _Reader:
    def __init__(self, text: str, source: str):
        self.text, self.pos, self.source = text, 0, source

    def error(self, message: str) -> ScriptError:
        line = self.text.count("\n", 0, self.pos) + 1
        return ScriptError(f"{self.source}, line {line}: {message}")

    def skip_space(self, newlines: bool) -> None:
        text = self.text
        while self.pos < len(text) and (
            text[self.pos] in " \t\r"
            or (newlines and text[self.pos] == "\n")
            or (text[self.pos] == "\\" and text[self.pos + 1 : self.pos + 2] == "\n")
        ):
            self.pos += 2 if text[self.pos] == "\\" else 1

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def word(self) -> Word:
        text, start = self.text, self.pos
        c = text[start]
        if c == "{" or c == "[":
            close = "}" if c == "{" else "]"
            depth, i = 0, start
            while i < len(text):
                ch = text[i]
                if ch == "\\":
                    i += 2
                    continue
                if ch == c:
                    depth += 1
                elif ch == close:
                    depth -= 1
                    if depth == 0:
                        self.pos = i + 1
                        inner = text[start + 1 : i]
                        return Word(inner, True) if c == "{" else Word(f"[{inner}]")
                i += 1
            raise self.error(f"unbalanced '{c}'")
        if c == '"':
            out, i = [], start + 1
            while i < len(text):
                ch = text[i]
                if ch == "\\" and i + 1 < len(text):
                    out.append(_UNESCAPES.get(text[i + 1], text[i + 1]))
                    i += 2
                    continue
                if ch == '"':
                    self.pos = i + 1
                    return Word("".join(out))
                out.append(ch)
                i += 1
            raise self.error("unterminated '\"'")
        i = start
        while i < len(text) and text[i] not in " \t\r\n":
            i += 1
        self.pos = i
        return Word(text[start:i])


def split_words(text: str, source: str = "<value>") -> list[Word]:
    """Every word of ``text`` (newlines are plain spaces here)."""
    reader, words = _Reader(text, source), []
    while True:
        reader.skip_space(newlines=True)
        if reader.at_end():
            return words
        words.append(reader.word())


@dataclasses.dataclass
class UserKnob:
    """An ``addUserKnob {TYPE name l label t tooltip R lo hi M {items} T text +FLAG}`` declaration."""

    type_id: int
    name: str
    label: str | None = None
    tooltip: str = ""
    range: tuple[float, float] | None = None
    menu: list[str] | None = None
    text: str | None = None
    flags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class NkNode:
    """A node block: class, knob values by name (in file order), user knobs, and a group's children."""

    cls: str
    knobs: dict[str, Word]
    user_knobs: list[UserKnob]
    children: list[NkNode] = dataclasses.field(default_factory=list)
    inputs: list[str | None] = dataclasses.field(default_factory=list)

    @property
    def name(self) -> str:
        word = self.knobs.get("name")
        return word.text if word is not None else self.cls

    def child(self, name: str) -> NkNode:
        for node in self.children:
            if node.name == name:
                return node
        raise ScriptError(f"group '{self.name}' has no node named '{name}'")

    def user_knob(self, name: str) -> UserKnob:
        for knob in self.user_knobs:
            if knob.name == name:
                return knob
        raise ScriptError(f"node '{self.name}' declares no user knob '{name}'")


def parse_user_knob(word: Word) -> UserKnob:
    """An ``addUserKnob`` value (the braced list) as a :class:`UserKnob`."""
    words = [w.text for w in word.words()]
    if len(words) < 2 or not words[0].isdigit():
        raise ScriptError(f"addUserKnob {{{word.text}}}: expected {{TYPE name ...}}")
    knob = UserKnob(int(words[0]), words[1])
    items = word.words()
    i = 2
    while i < len(items):
        key = items[i].text
        if key.startswith(("+", "-")) and not items[i].braced and len(key) > 1 and key[1].isalpha():
            knob.flags.append(key)
            i += 1
        elif key in ("l", "t", "T", "n") and i + 1 < len(items):
            value = items[i + 1].text
            if key == "l":
                knob.label = value
            elif key == "t":
                knob.tooltip = value
            elif key == "T":
                knob.text = value
            i += 2
        elif key == "R" and i + 2 < len(items):
            knob.range = (float(items[i + 1].text), float(items[i + 2].text))
            i += 3
        elif key == "M" and i + 1 < len(items):
            knob.menu = [w.text for w in items[i + 1].words()]
            i += 2
        else:
            raise ScriptError(f"addUserKnob {{{word.text}}}: cannot read '{key}'")
    return knob


def parse_node_body(cls: str, body: str, source: str = "<node>") -> NkNode:
    """The knob lines of one node block."""
    words = split_words(body, source)
    if len(words) % 2:
        raise ScriptError(f"{source}: node {cls} has a knob without a value ({words[-1].text!r})")
    node = NkNode(cls, {}, [])
    for name, value in zip(words[::2], words[1::2]):
        if name.text == "addUserKnob":
            node.user_knobs.append(parse_user_knob(value))
        else:
            node.knobs[name.text] = value
    return node


def parse_script(text: str, source: str = "<script>") -> list[NkNode]:
    """The top-level nodes of a script or gizmo; a group's nodes are in its ``children``.

    Connections are recovered from Nuke's stack (each node pops its ``inputs`` and pushes itself; ``set``
    names the top, ``push`` pushes a named node or ``0`` for nothing) into ``NkNode.inputs``, on the
    assumption that the node on top of the stack becomes input 0.
    """
    reader = _Reader(text, source)
    top: list[NkNode] = []
    levels: list[tuple[list[NkNode], list, dict]] = [(top, [], {})]  # (nodes, stack, set names)
    while True:
        reader.skip_space(newlines=True)
        if reader.at_end():
            break
        if reader.text[reader.pos] == "#":  # a comment line, e.g. "#! /usr/local/Nuke15.1v2/nuke -nx"
            end = reader.text.find("\n", reader.pos)
            reader.pos = len(reader.text) if end < 0 else end
            continue
        statement = [reader.word()]
        while True:
            reader.skip_space(newlines=False)
            if reader.at_end() or reader.text[reader.pos] == "\n":
                break
            statement.append(reader.word())
        nodes, stack, names = levels[-1]
        head = statement[0].text
        if head == "end_group":
            if len(levels) == 1:
                raise reader.error("end_group without a group")
            levels.pop()
        elif head == "set" and len(statement) >= 3:
            names[statement[1].text] = stack[-1] if stack else None
        elif head == "push" and len(statement) >= 2:
            ref = statement[1].text
            stack.append(None if ref == "0" else names.get(ref.lstrip("$")))
        elif head in COMMANDS:
            continue
        elif len(statement) == 2 and statement[1].braced:
            node = parse_node_body(head, statement[1].text, source)
            count_word = node.knobs.get("inputs")
            count = int(count_word.text) if count_word is not None else (0 if head in ZERO_INPUT_CLASSES else 1)
            popped = [stack.pop() if stack else None for _ in range(count)]
            node.inputs = [n.name if n is not None else None for n in popped]
            nodes.append(node)
            stack.append(node)
            if head in GROUP_CLASSES:
                levels.append((node.children, [], {}))
        else:
            raise reader.error(f"cannot read statement {' '.join(w.text for w in statement)!r}")
    if len(levels) != 1:
        raise ScriptError(f"{source}: a group is not closed with end_group")
    return top


@dataclasses.dataclass(frozen=True)
class CurveKey:
    """One key of a Nuke animation curve: frame, value, interpolation letter, optional slopes."""

    frame: float
    value: float
    interpolation: str = "S"
    left_slope: float | None = None
    right_slope: float | None = None


INTERPOLATION_LETTERS = "KLSRC"  # constant, linear, smooth, catmull-rom, cubic


def is_curve(word: Word) -> bool:
    words = word.words() if word.braced else []
    return bool(words) and words[0].text == "curve"


def parse_curve(word: Word, what: str = "curve") -> list[CurveKey]:
    """The keys of ``{curve ...}`` (the braces' content as ``word``).

    An interpolation letter applies to its key and every later key until another letter; a key without
    ``xFRAME`` comes one step after the previous key (the step of the last two keys, else 1).
    """
    words = [w.text for w in word.words()]
    if not words or words[0] != "curve":
        raise ScriptError(f"{what}: expected {{curve ...}}, got {{{word.text}}}")
    keys: list[CurveKey] = []
    interpolation, frame = "S", None
    for token in words[1:]:
        if token in INTERPOLATION_LETTERS:
            interpolation = token
        elif token in ("k", "l", "i", "I"):  # extrapolation, visibility: faceplate holds the end values
            continue
        elif token[0] == "x":
            frame = float(token[1:])
        elif token[0] in "stuv" and keys:  # slopes; u, v (handle lengths) are left at Nuke's default
            slope = float(token[1:])
            if token[0] == "s":  # a left slope alone is both slopes
                keys[-1] = dataclasses.replace(keys[-1], left_slope=slope, right_slope=slope)
            elif token[0] == "t":
                keys[-1] = dataclasses.replace(keys[-1], right_slope=slope)
        else:
            try:
                value = float(token)
            except ValueError:
                raise ScriptError(f"{what}: cannot read '{token}' in {{{word.text}}}") from None
            if frame is None:
                if not keys:
                    frame = 0.0
                elif len(keys) == 1:
                    frame = keys[-1].frame + 1
                else:
                    frame = keys[-1].frame + (keys[-1].frame - keys[-2].frame)
            keys.append(CurveKey(frame, value, interpolation))
            frame = None
    return keys
