"""Vendor token shapes: secrets that are recognisable by their own format, wherever they sit.

The set follows what the widely used detectors look for (detect-secrets' plugins and gitleaks' rules:
cloud keys, VCS tokens, chat tokens, payment keys, private keys, JWTs, package-registry tokens), each
written from the vendor's published token format and tested against a token of that exact format
(tests/openai_replay/cassette/test_secret_shapes.py, where detect-secrets itself confirms each planted
token is one it would report).

Why hand-written and not detect-secrets' plugins at run time: its regexes are tuned for source code
and report lines to review, not spans to replace (its PEM rule matches only the ``BEGIN`` line, its AWS
secret-key rule only ``aws...key = '...'`` in code); it lacks Google, fine-grained GitHub, OpenAI
project and ephemeral keys; a few of its shapes (Twilio ``SK`` + 32 lowercase, Discord) would match
inside base64 audio and corrupt it; and importing it costs ~0.6 s (it pulls in requests) on every
CLI start. So detect-secrets is a test dependency: it audits every output the probes produce.

Each shape has ``hints``: literal pieces one of which any match must contain. A text with none of
them skips the regex, which keeps a large audio frame cheap to scrub.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple, Optional

REDACTED = "REDACTED"

#: A shape that could also occur inside base64 must start a token: its literal is followed by a
#: look-behind saying so (``AIza(?<!(?<!\\)[A-Za-z0-9]....)``), so the regex engine can still skip ahead to
#: the literal; and it must end one.
_END = r"(?![A-Za-z0-9])"
#: A word boundary before a token, where a JSON escape such as ``\n`` counts as a boundary too.
_B = r"(?<!(?<!\\)[A-Za-z0-9_])"


class ValuePattern(NamedTuple):
    """A secret shape: what it is, its regex (group ``secret`` is replaced, else the whole match), the
    replacement, and literal ``hints`` one of which every match contains (empty: always run).
    ``fold`` says the hints are lower-case and compared with the lower-cased text; ``guard``, when
    set, must accept the ``secret`` group or the match is left alone (a word, not a credential)."""

    name: str
    pattern: re.Pattern[str]
    replacement: str = REDACTED
    hints: tuple[str, ...] = ()
    fold: bool = False
    guard: Optional[Callable[[str], bool]] = None  # noqa: UP045 - NamedTuple fields are evaluated on 3.10 too
    #: Every match has a secret-like name followed by ``=``, ``:`` or a quote: only the text near
    #: one (`name_windows`) is searched, which keeps a large body cheap.
    near_name: bool = False

    def applies(self, text: str, folded: str | None = None) -> bool:
        """Whether the regex can match ``text`` at all (a cheap substring test first)."""
        if not self.hints:
            return True
        haystack = (folded if folded is not None else text.lower()) if self.fold else text
        return any(hint in haystack for hint in self.hints)


def _shape(name: str, regex: str, *hints: str) -> ValuePattern:
    return ValuePattern(name, re.compile(regex), REDACTED, tuple(hints))


TOKEN_SHAPES: tuple[ValuePattern, ...] = (
    _shape(
        "AWS access key id: AKIA/ASIA/ABIA/ACCA/A3T? + 16 upper-case letters or digits",
        r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)(?<!(?<!\\)[A-Za-z0-9]....)[A-Z0-9]{16}" + _END,
        "AKIA",
        "ASIA",
        "ABIA",
        "ACCA",
        "A3T",
    ),
    _shape(
        "GitHub token: ghp_/gho_/ghu_/ghs_/ghr_ + 36 or more letters and digits",
        rf"{_B}gh[pousr]_[A-Za-z0-9]{{36,255}}",
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
    ),
    _shape("GitHub fine-grained token: github_pat_ + 82 word characters", r"github_pat_[A-Za-z0-9_]{22,255}", "github_pat_"),
    _shape(
        "GitLab token: glpat-/gldt-/glrt-/... + 20 or more",
        rf"{_B}gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-[A-Za-z0-9_\-]{{20,1024}}",
        "gl",
    ),
    _shape(
        "Slack token: xoxb-/xoxp-/xoxa-/xoxo-/xoxs-/xoxr-/xoxe- and app tokens xapp-",
        rf"{_B}x(?:ox[abposre](?:\.[A-Za-z0-9\-]+)?|app)-[A-Za-z0-9\-]{{10,255}}",
        "xox",
        "xapp-",
    ),
    _shape("Slack webhook URL", r"hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9_/\-]{20,}", "hooks.slack.com"),
    _shape("Google API key: AIza + 35", r"AIza(?<!(?<!\\)[A-Za-z0-9]....)[0-9A-Za-z_\-]{35}", "AIza"),
    _shape("Google OAuth client secret: GOCSPX- + 28", r"GOCSPX-[0-9A-Za-z_\-]{20,}", "GOCSPX-"),
    _shape("Google OAuth access token: ya29. + 20 or more", r"ya29\.(?<!(?<!\\)[A-Za-z0-9].....)[0-9A-Za-z_\-]{20,}", "ya29."),
    _shape(
        "Stripe secret or restricted key and webhook secret: sk_live_/rk_live_/sk_test_/rk_test_/whsec_",
        rf"{_B}(?:(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{{10,255}}|whsec_[0-9A-Za-z+/=]{{20,255}})",
        "_live_",
        "_test_",
        "whsec_",
    ),
    _shape(
        "PEM private key block (also with JSON-escaped newlines, or cut short)",
        r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=\s\\:,.]|-(?!----))*"
        r"(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)?",
        "PRIVATE KEY",
    ),
    _shape("PuTTY private key file", r"PuTTY-User-Key-File-\d: .*", "PuTTY-User-Key-File-"),
    _shape("OpenAI Realtime ephemeral key: ek_ + 16 or more", r"ek_(?<!(?<!\\)[A-Za-z0-9]...)[A-Za-z0-9]{16,255}", "ek_"),
    _shape("npm token: npm_ + 36", r"npm_(?<!(?<!\\)[A-Za-z0-9]....)[A-Za-z0-9]{36,255}", "npm_"),
    _shape("PyPI upload token: pypi-AgE...", r"pypi-AgE[A-Za-z0-9_\-]{50,}", "pypi-AgE"),
    _shape("Hugging Face token: hf_ + 34 or more letters", r"hf_(?<!(?<!\\)[A-Za-z0-9]...)[A-Za-z0-9]{30,255}", "hf_"),
    _shape("SendGrid key: SG. + 22 . 43", r"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}", "SG."),
    _shape("Square token: sq0atp-/sq0csp- and EAAA...", r"sq0(?:atp|csp)-[0-9A-Za-z_\-]{22,}", "sq0"),
    _shape("Shopify token: shpat_/shpca_/shppa_/shpss_ + 32 hex", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}", "shp"),
    _shape("DigitalOcean token: dop_v1_/doo_v1_/dor_v1_ + 64 hex", r"do[opr]_v1_[a-f0-9]{64}", "_v1_"),
    _shape("Twilio API key: SK + 32 hex", r"SK(?<!(?<!\\)[A-Za-z0-9]..)[0-9a-fA-F]{32}" + _END, "SK"),
    _shape("Azure storage account key: AccountKey=...", r"(?i:AccountKey)=(?P<secret>[A-Za-z0-9+/=]{20,})", "AccountKey="),
)
