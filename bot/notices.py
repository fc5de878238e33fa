"""What admins are told about sources on their own: a source failing, working again, its
layout changed, its feed moved (readout.health and readout.relocation decide when).

Only the message ids live here, marked for the catalogues; each admin reads them worded in
the language of their own chat with the bot (bot.reader.Wording). Nothing here needs
python-telegram-bot, so the poller can judge sources without loading it.
"""

from __future__ import annotations

from bot.i18n import N_

SOURCE_FAILING_NOTICE = N_(
    "⚠️ {source} ({id}) is failing: {count} polls in a row. Last error: {error}"
)
SOURCE_LAYOUT_NOTICE = N_("⚠️ {source} ({id}): layout changed? {problem}")
SOURCE_RECOVERED_NOTICE = N_("✅ {source} ({id}) is working again.")
NO_ITEMS_NOW = N_("it returned no items (it used to return {count}).")
LOST_DATES = N_("its items lost their dates.")
LOST_LINKS = N_("its items lost their links.")
FALLBACK_NOTICE = N_(
    "⚠️ {source} ({id}): layout changed; items read by link pattern; check the selectors."
)
SELECTORS_MATCH_NOTICE = N_("✅ {source} ({id}): its selectors match again.")
MOVED_NOTICE = N_(
    '↪️ {source} ({id}) moved: now reading {url}; pin it with url = "{url}" in [[sources]] '
    '(id = "{id}").'
)
MOVED_BACK_NOTICE = N_("✅ {source} ({id}) reads its configured address again: {url}")
