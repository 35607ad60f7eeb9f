"""Job title to seniority and function, across spellings, abbreviations and languages.

Einstein maps titles to a "job rank" and a "department" so that different
spellings of one role pool their evidence; this does the same, openly, with a
table of real-world titles under test (tests/unit/scoring/test_titles.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

SENIORITIES = (
    "c_level",
    "vp",
    "head",
    "director",
    "manager",
    "individual",
    "intern",
    "student",
    "job_seeker",
    "unknown",
)
FUNCTIONS = (
    "sales",
    "revops",
    "marketing",
    "executive",
    "customer_success",
    "product",
    "engineering",
    "it",
    "finance",
    "hr",
    "operations",
    "legal",
    "education",
    "other",
    "none",
    "unknown",
)

# Each rule: (compiled pattern over the normalised title, value). The first match wins.
_SENIORITY_RULES: list[tuple[str, str]] = [
    (
        r"looking for|open to work|seeking|job seeker|unemployed|between jobs|in transition|"
        r"available for|buscando (trabajo|empleo)|en recherche|arbeitssuchend|career break",
        "job_seeker",
    ),
    (
        r"\bintern(ship)?\b|\btrainee\b|praktikant|stagiaire|\bbecari[oa]\b|\bapprentice\b|"
        r"working student|werkstudent",
        "intern",
    ),
    (
        r"\bstudent\b|\bmba (candidate|student)\b|\bphd (candidate|student)\b|\bundergrad|graduate student|"
        r"estudiante|etudiant|studierende?r?\b|\balumn[oa]\b|\bestudante\b",
        "student",
    ),
    (r"\bassistant to\b|\bexecutive assistant\b|\bpersonal assistant\b|\bea to\b", "individual"),
    (r"\b(svp|evp|avp|vp|vice president|vicepresident[ea]?|vice-president|vizeprasident)\b", "vp"),
    (
        r"\bc[efortmi]o\b|\bcro\b|\bciso\b|\bcdo\b|\bcpo\b|\bcco\b|\bchro\b|\bchief\b|\bfounder\b|"
        r"\bco ?founder\b|\bowner\b|\bpresident[ea]?\b|\bmanaging director\b|\bmanaging partner\b|"
        r"geschaftsfuhrer|\bpdg\b|directeur general|director general|diretor geral|\bpropietari[oa]\b|"
        r"\bsocio fundador\b|\bfundador[a]?\b|\binhaber\b",
        "c_level",
    ),
    (
        r"\bhead\b|\bleiter(in)?\b|leiter\b|\bjef[ea]\b|\bresponsable\b|\bgeneral manager\b|\bgm\b|"
        r"\bbereichsleiter",
        "head",
    ),
    (r"\bdirector[a]?\b|\bdirecteur|\bdiretor[a]?\b|\bdirektor(in)?\b|\bdir\b", "director"),
    (
        r"\bmanager\b|\bgerente\b|\bmgr\b|\bsupervisor\b|\bteam lead\b|\blead\b|\bmanagerin\b|"
        r"\bprincipal\b|\bcoordinador[a]?\b",
        "manager",
    ),
    (
        r"\b(engineer|developer|analyst|specialist|representative|rep|associate|consultant|designer|"
        r"coordinator|assistant|accountant|administrator|admin|sdr|bdr|ae|account executive|recruiter|"
        r"scientist|architect|strategist|executive|officer|generalist|advisor|agent|clerk|technician|"
        r"writer|editor|partner|teacher|professor|lecturer|nurse|doctor|owner operator|freelancer|"
        r"self employed|contractor|member|staff|employee|worker|ejecutivo|ejecutiva|vendedor[a]?|"
        r"asesor[a]?|analista|ingeniero|ingenieur|mitarbeiter|sachbearbeiter|commercial)\b",
        "individual",
    ),
]

_FUNCTION_RULES: list[tuple[str, str]] = [
    (
        r"revops|revenue operations|rev ops|sales operations|sales ops|marketing operations|"
        r"marketing ops|\bmops\b|\bcrm\b|gtm operations|go to market operations|salesforce admin|"
        r"hubspot admin|sales enablement|business systems",
        "revops",
    ),
    (
        r"\bsales\b|\bcro\b|chief revenue|\brevenue\b|account executive|\bae\b|\bsdr\b|\bbdr\b|"
        r"business development|\bbiz ?dev\b|account manager|\bventas\b|\bvendas\b|vertrieb|\bcommercial\b|"
        r"\bcomercial\b|verkauf|\bpartnerships?\b|\bvendedor|\bkey account\b|inside sales",
        "sales",
    ),
    (
        r"marketing|demand gen|\bgrowth\b|\bbrand\b|\bcontent\b|\bseo\b|\bsem\b|\bcmo\b|communications|"
        r"\bmercadeo\b|\bpr\b|\bevents?\b|\bsocial media\b|\bcampaigns?\b|mercadotecnia",
        "marketing",
    ),
    (
        r"customer success|\bcs\b|customer experience|\bsupport\b|\bonboarding\b|\bcx\b|client success",
        "customer_success",
    ),
    (
        r"\bceo\b|\bfounder\b|co ?founder|\bowner\b|\bpresident[ea]?\b|managing director|"
        r"general manager|\bgm\b|geschaftsfuhrer|\bpdg\b|directeur general|director general|"
        r"managing partner|\bfundador|\binhaber\b|propietari",
        "executive",
    ),
    (r"\bproduct\b|\bcpo\b|product owner", "product"),
    (
        r"engineer|developer|\bcto\b|software|devops|programmer|engineering|\bingeniero\b|\bingenieur\b|"
        r"architect|\bsre\b|\bqa\b",
        "engineering",
    ),
    (
        r"\bit\b|information technology|\bcio\b|\bsystems?\b|\bdata\b|\banalytics\b|\bbi\b|security|"
        r"\bciso\b|infrastructure|\bcdo\b|\bnetwork\b|\bhelpdesk\b|\btecnologia\b|\bti\b",
        "it",
    ),
    (
        r"financ|\bcfo\b|accountant|controller|accounting|treasur|fp ?a\b|\baudit|\bcontador|\bbilling\b",
        "finance",
    ),
    (r"\bhr\b|human resources|\bpeople\b|talent|recruit|\bchro\b|personal|\brrhh\b|recursos humanos", "hr"),
    (
        r"operations|\bcoo\b|office manager|logistic|supply chain|procurement|purchasing|\bops\b|"
        r"\bfacilities\b|\boperaciones\b",
        "operations",
    ),
    (r"\blegal\b|counsel|attorney|lawyer|compliance|paralegal|\babogad", "legal"),
    (r"teacher|professor|lecturer|\btutor\b|\bdocente\b|\bprofesor", "education"),
]

_SENIORITY = [(re.compile(p), v) for p, v in _SENIORITY_RULES]
_ASSISTANT = re.compile(_SENIORITY_RULES[3][0])
_FUNCTION = [(re.compile(p), v) for p, v in _FUNCTION_RULES]
# A C-level abbreviation names the function more precisely than "founder" does ("Cofounder / CTO").
_CHIEF = {
    "ceo": "executive",
    "cro": "sales",
    "cmo": "marketing",
    "cto": "engineering",
    "cfo": "finance",
    "coo": "operations",
    "cio": "it",
    "ciso": "it",
    "chro": "hr",
    "cpo": "product",
    "cdo": "it",
}
_EMPTY = {"", "n a", "na", "none", "null", "unknown", "tbd", "x", "test", "select", "other", "not provided"}
_ABBREVIATIONS = [
    (r"\bsr\b", "senior"),
    (r"\bjr\b", "junior"),
    (r"\bv p\b", "vp"),
    (r"\bmktg\b", "marketing"),
    (r"\bdev\b", "developer"),
    (r"\bops\b", "ops"),
    (r"\beng\b", "engineering"),
    (r"\bmgmt\b", "management"),
    (r"\bexec\b", "executive"),
    (r"\bbiz\b", "business"),
    (r"\bassoc\b", "associate"),
]


@dataclass(frozen=True, slots=True)
class TitleInfo:
    seniority: str
    function: str

    @property
    def is_job_seeker(self) -> bool:
        return self.seniority == "job_seeker"


def normalise(title: str) -> str:
    """Lower-case ASCII words, single-spaced: "Sr. Director, Demand Gen" -> "senior director demand gen"."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("/", " ").replace("+", " ")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    for pattern, replacement in _ABBREVIATIONS:
        text = re.sub(pattern, replacement, text)
    return text


@lru_cache(maxsize=65536)
def parse_title(title: str | None) -> TitleInfo:
    """Seniority and function of a job title; ``unknown`` for blanks and placeholders."""
    if title is None:
        return TitleInfo("unknown", "unknown")
    text = normalise(title)
    if text in _EMPTY or len(text) < 2:
        return TitleInfo("unknown", "unknown")
    seniority = next((v for p, v in _SENIORITY if p.search(text)), "individual")
    if seniority in ("job_seeker", "student"):
        return TitleInfo(seniority, "none")
    if _ASSISTANT.search(text):
        return TitleInfo("individual", "operations")  # an assistant to the CEO is not the CEO
    chief = next((_CHIEF[w] for w in text.split() if w in _CHIEF), None)
    function = chief or next((v for p, v in _FUNCTION if p.search(text)), "other")
    return TitleInfo(seniority, function)
