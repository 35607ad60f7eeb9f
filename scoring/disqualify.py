"""Hard disqualifiers: a lead that matches one is not given to a rep, whatever it scores."""

from __future__ import annotations

from scoring.features import PersonFeatures
from scoring.icp import Icp


def disqualifiers(features: PersonFeatures, icp: Icp) -> list[tuple[str, str]]:
    """Every disqualifier that applies, as (code, reason a rep can read)."""
    found: list[tuple[str, str]] = []
    if features.competitor:
        found.append(("competitor", f"works at a competitor ({features.email.domain or features.domain})"))
    if icp.dq_job_seekers and features.title.is_job_seeker:
        found.append(("job_seeker", "job seeker, not a buyer"))
    if icp.dq_interns and features.title.seniority == "intern":
        found.append(("intern", "intern title"))
    if icp.dq_student_email and (features.title.seniority == "student" or features.email.kind == "edu"):
        what = (
            "student"
            if features.title.seniority == "student"
            else f"student address ({features.email.domain})"
        )
        found.append(("student", what))
    if icp.dq_free_email and features.email.kind == "free" and not features.domain:
        found.append(("personal_email", f"personal e-mail address ({features.email.domain}) and no company"))
    if features.employees is not None and features.employees < icp.dq_min_employees:
        found.append(
            ("too_small", f"{features.employees}-person company, below the minimum of {icp.dq_min_employees}")
        )
    if features.country and features.country in icp.countries_not_served:
        found.append(("country_not_served", f"based in {features.country}, a country we do not serve"))
    return found
