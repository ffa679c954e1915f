"""ISO 3166 countries from pycountry: current (3166-1) and withdrawn (3166-3)."""

from functools import cache

import pycountry


@cache
def iso_country_ids() -> frozenset[str]:
    """Ids the seeds may reference: alpha-2 of current countries, alpha-4 of historical ones."""
    current = {c.alpha_2 for c in pycountry.countries}
    historic = {c.alpha_4 for c in pycountry.historic_countries}
    return frozenset(current | historic)
