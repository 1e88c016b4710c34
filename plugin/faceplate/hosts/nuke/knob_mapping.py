"""A faceplate knob <-> a Nuke user knob: declarations and values, as Nuke script text.

Knob declarations come from :meth:`faceplate.nodes.core.knobs.Knob.describe` (plain dicts), so a knob
added to a node shows up in Nuke once the gizmos are regenerated, without a change here.

=========  ====================  ==  ==========================================================
faceplate  Nuke knob             id  notes
=========  ====================  ==  ==========================================================
float      Double_Knob            7  ``R min max`` slider range (``+FORCE_RANGE`` when both bounds)
int        Int_Knob               3  same
bool       Boolean_Knob           6  ``+NO_ANIMATION``
enum       Enumeration_Knob       4  ``M {options}``, ``+NO_ANIMATION``
string     String_Knob            1  ``+NO_ANIMATION``
path       File_Knob              2  ``+NO_ANIMATION``
xy         XY_Knob               12  value ``{x y}``, each component animatable
colour     AColor_Knob           19  value ``{r g b a}``, each component animatable
=========  ====================  ==  ==========================================================

Values are written in the knob's own units: the y flip of xy positions is the bridge's job
(:mod:`.conventions`), because it needs the plate's format, which a gizmo does not know.

Animation: a numeric component is ``{curve ...}``. Each key carries its interpolation letter (``K``
constant, ``L`` linear, ``R`` Catmull-Rom for faceplate's ``smooth``) and, for non-constant keys, the
slopes faceplate's curve has on each side of the key (``s`` left, ``t`` right), so Nuke draws the curve
faceplate evaluates: a faceplate key's interpolation governs the segment after it, while a Nuke key's
letter sets the slopes on both of its sides. Reading back, ``K``/``L`` map to constant/linear and
``S``/``R``/``C`` (smooth, Catmull-Rom, cubic) to smooth; written slopes are not read (faceplate
derives them from the interpolations).
"""

from __future__ import annotations

from typing import Any

from faceplate.foundation.errors import KnobError
from faceplate.hosts.nuke.nk_parse import CurveKey, UserKnob, Word, braced, is_curve, number, parse_curve, quote

# faceplate knob type -> (Nuke user-knob type id, Nuke Python class)
NUKE_KNOBS: dict[str, tuple[int, str]] = {
    "float": (7, "Double_Knob"),
    "int": (3, "Int_Knob"),
    "bool": (6, "Boolean_Knob"),
    "enum": (4, "Enumeration_Knob"),
    "string": (1, "String_Knob"),
    "path": (2, "File_Knob"),
    "xy": (12, "XY_Knob"),
    "colour": (19, "AColor_Knob"),
}
FACEPLATE_TYPES = {type_id: fp for fp, (type_id, _) in NUKE_KNOBS.items()}
NUMERIC = ("float", "int", "xy", "colour")

TO_NUKE_INTERPOLATION = {"constant": "K", "linear": "L", "smooth": "R"}
FROM_NUKE_INTERPOLATION = {"K": "constant", "L": "linear", "S": "smooth", "R": "smooth", "C": "smooth"}

# Knobs every Nuke node (or Group) has; a faceplate knob of the same name is called fp_<name> in Nuke.
# ``faceplate_*`` is the adapter's own prefix (see gizmo.ADAPTER_KNOBS).
RESERVED_NAMES = frozenset(
    (
        "name",
        "label",
        "help",
        "disable",
        "selected",
        "xpos",
        "ypos",
        "tile_color",
        "gl_color",
        "note_font",
        "note_font_size",
        "note_font_color",
        "hide_input",
        "cached",
        "postage_stamp",
        "postage_stamp_frame",
        "lifetimeStart",
        "lifetimeEnd",
        "useLifetime",
        "dope_sheet",
        "bookmark",
        "icon",
        "indicators",
        "inputs",
        "onCreate",
        "onDestroy",
        "knobChanged",
        "updateUI",
        "autolabel",
        "panel",
        "process_mask",
        "file",
        "first",
        "last",
        "format",
        "channels",
        "mix",
        "maskChannelInput",
        "invert_mask",
        "User",
    )
)
ADAPTER_PREFIX = "faceplate_"
RENAMED_PREFIX = "fp_"


def nuke_name(name: str) -> str:
    """The Nuke knob name of faceplate knob ``name`` (``fp_name`` where Nuke or the adapter owns it)."""
    if name in RESERVED_NAMES or name.startswith((ADAPTER_PREFIX, RENAMED_PREFIX)):
        return RENAMED_PREFIX + name
    return name


def faceplate_name(nuke_knob: str) -> str:
    """Inverse of :func:`nuke_name`."""
    return nuke_knob[len(RENAMED_PREFIX) :] if nuke_knob.startswith(RENAMED_PREFIX) else nuke_knob


def label(name: str) -> str:
    return name.replace("_", " ")


# -- declarations ------------------------------------------------------------------------------------


def slider_range(knob: dict[str, Any]) -> tuple[float, float] | None:
    """The slider range of a numeric knob: its bounds, widened from the default where one is open."""
    if knob["type"] not in ("float", "int"):
        return None
    lo, hi, default = knob.get("min"), knob.get("max"), float(knob["default"])
    if lo is None and hi is None:
        return None
    span = max(1.0, 2 * abs(default - (lo if lo is not None else hi)))
    return (lo if lo is not None else hi - span, hi if hi is not None else lo + span)


def declaration(knob: dict[str, Any]) -> str:
    """``addUserKnob {...}`` for a knob description (one line of a node block)."""
    try:
        type_id, _ = NUKE_KNOBS[knob["type"]]
    except KeyError:
        raise KnobError(
            f"no Nuke knob for faceplate knob type '{knob['type']}'; add it to "
            "faceplate.hosts.nuke.knob_mapping.NUKE_KNOBS",
            knob=knob["name"],
        ) from None
    words = [str(type_id), nuke_name(knob["name"]), "l", quote(label(knob["name"]))]
    if knob.get("tooltip"):
        words += ["t", quote(knob["tooltip"])]
    if knob["type"] == "enum":
        words += ["M", braced([quote(o) for o in knob["options"]])]
    bounds = slider_range(knob)
    if bounds is not None:
        words += ["R", number(bounds[0]), number(bounds[1])]
        if knob.get("min") is not None and knob.get("max") is not None:
            words.append("+FORCE_RANGE")
    if not knob.get("animatable"):
        words.append("+NO_ANIMATION")
    return "addUserKnob " + braced(words)


def knob_from_user_knob(user: UserKnob, value: Word | None) -> dict[str, Any]:
    """A knob description read back from a declaration and its value line (inverse of :func:`declaration`)."""
    fp_type = FACEPLATE_TYPES.get(user.type_id)
    if fp_type is None:
        raise KnobError(f"Nuke knob type {user.type_id} has no faceplate equivalent", knob=user.name)
    knob: dict[str, Any] = {
        "name": faceplate_name(user.name),
        "type": fp_type,
        "tooltip": user.tooltip,
        "animatable": fp_type in NUMERIC,
    }
    if fp_type == "enum":
        knob["options"] = list(user.menu or [])
    if fp_type in NUMERIC:
        knob["components"] = {"xy": 2, "colour": 4}.get(fp_type, 1)
        knob["min"] = knob["max"] = None
        if user.range is not None and "+FORCE_RANGE" in user.flags:
            knob["min"], knob["max"] = user.range
    knob["default"] = json_value(knob, value) if value is not None else _empty(knob)
    return knob


def _empty(knob: dict[str, Any]) -> Any:
    # What Nuke shows for a knob with no value line.
    return {
        "float": 0.0,
        "int": 0,
        "bool": False,
        "string": "",
        "path": "",
        "xy": [0.0, 0.0],
        "colour": [0.0, 0.0, 0.0, 0.0],
        "enum": (knob.get("options") or [""])[0],
    }[knob["type"]]


# -- values: faceplate JSON -> Nuke text ---------------------------------------------------------------


def value_text(knob: dict[str, Any], value: Any) -> str:
    """The Nuke value word of a faceplate JSON value (static, or ``{"curve": [...]}`` per component)."""
    kind = knob["type"]
    if kind == "bool":
        return "true" if value else "false"
    if kind in ("string", "path", "enum"):
        return quote(str(value))
    if knob.get("components", 1) == 1:
        return braced([component_text(value)]) if isinstance(value, dict) else number(value)
    return braced([component_text(v) for v in value])


def component_text(value: Any) -> str:
    if isinstance(value, dict):
        return braced(["curve", *curve_words(value["curve"])])
    return number(value)


def curve_words(keys: list[list]) -> list[str]:
    """The words after ``curve`` for faceplate keys ``[[frame, value, interpolation], ...]``."""
    words: list[str] = []
    for i, (frame, value, interpolation) in enumerate(keys):
        words += [TO_NUKE_INTERPOLATION[interpolation], f"x{number(frame)}", number(value)]
        curved_before = i > 0 and keys[i - 1][2] != "constant"
        if interpolation != "constant" or curved_before:  # a slope shapes a segment on one side at least
            left, right = _slopes(keys, i)
            words.append(f"s{number(left)}")
            if right != left and interpolation != "constant":
                words.append(f"t{number(right)}")
    return words


def _slopes(keys: list[list], i: int) -> tuple[float, float]:
    """Slopes (value per frame) of faceplate's curve on each side of key ``i`` (see animation.Curve)."""

    def secant(a: int, b: int) -> float:
        return (keys[b][1] - keys[a][1]) / (keys[b][0] - keys[a][0])

    def catmull_rom(k: int) -> float:
        return 0.0 if k in (0, len(keys) - 1) else secant(k - 1, k + 1)

    def segment(a: int, at: int) -> float:  # slope at key ``at`` of the segment starting at key ``a``
        kind = keys[a][2]
        return secant(a, a + 1) if kind == "linear" else catmull_rom(at) if kind == "smooth" else 0.0

    right = segment(i, i) if i + 1 < len(keys) else None
    left = segment(i - 1, i) if i > 0 else None
    left = right if left is None else left
    right = left if right is None else right
    return (left or 0.0), (right or 0.0)


# -- values: Nuke text -> faceplate JSON ---------------------------------------------------------------


def json_value(knob: dict[str, Any], word: Word, *, node: str | None = None) -> Any:
    """A Nuke value word as faceplate JSON, for knob description ``knob``.

    Accepts what Nuke writes in a script and what ``Knob.toScript()`` returns: ``0.5``, ``{0.5}``,
    ``{{curve ...}}``, ``{curve ...}``, ``{100 200}``, a single value for every component of a colour,
    ``true``/``false``/``1``/``0``, an enumeration's item (or its index).
    """
    kind, name = knob["type"], knob["name"]
    text = word.text.strip()
    if kind == "bool":
        if text in ("true", "1", "True"):
            return True
        if text in ("false", "0", "False", ""):
            return False
        raise KnobError(f"expected true or false, got {text!r}", node=node, knob=name)
    if kind in ("string", "path"):
        return word.text
    if kind == "enum":
        options = knob["options"]
        if text in options:
            return text
        if text.isdigit() and int(text) < len(options):
            return options[int(text)]
        raise KnobError(f"'{text}' is not one of {', '.join(options)}", node=node, knob=name)
    components = knob.get("components", 1)
    items = [word] if not word.braced or is_curve(word) else word.words()
    if len(items) == 1 and items[0].braced and not is_curve(items[0]):
        items = items[0].words()  # {{100 200}}
    if len(items) == 1 and components > 1:
        items = items * components  # Nuke writes one value when every component is equal
    if len(items) != components:
        raise KnobError(f"expected {components} values, got {{{word.text}}}", node=node, knob=name)
    values = [_component(knob, item, node) for item in items]
    return values[0] if components == 1 else values


def _component(knob: dict[str, Any], word: Word, node: str | None) -> Any:
    if is_curve(word):
        keys = parse_curve(word, what=f"knob '{knob['name']}'")
        if not keys:
            raise KnobError(
                "an empty curve has no value; delete the animation or set a key", node=node, knob=knob["name"]
            )
        return {"curve": [[_whole(k.frame), float(k.value), _interpolation(k)] for k in keys]}  # as Curve.to_json
    try:
        return _typed(knob, float(word.text))
    except ValueError:
        raise KnobError(
            f"holds the expression {word.text!r}; faceplate takes numbers and keyframes, so bake "
            "the expression into keys (Curve Editor > Generate) first",
            node=node,
            knob=knob["name"],
        ) from None


def _interpolation(key: CurveKey) -> str:
    return FROM_NUKE_INTERPOLATION[key.interpolation]


def _whole(frame: float) -> float | int:
    return int(frame) if float(frame).is_integer() else frame


def _typed(knob: dict[str, Any], value: float) -> float | int:
    return int(round(value)) if knob["type"] == "int" else float(value)
