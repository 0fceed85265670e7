"""The names :mod:`hq.words.redact` removes: common first names of Finland, Sweden and
English-speaking countries, and the words that introduce a name.

Names that are also ordinary words in one of the three languages are left out of the list
(:data:`AMBIGUOUS` says which, and why each), so "Anna palautetta" (Finnish: give
feedback) or "Hans kollega" (Swedish: his colleague) keep their words; such a name is
still removed after an introduction ("nimeni on Anna").
"""

from __future__ import annotations


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FI = _names(
    "Maria Helena Johanna Kaarina Marjatta Anneli Liisa Sofia Emilia Kristiina Elina "
    "Katariina Hannele Tuula Päivi Ritva Leena Riitta Pirjo Sari Minna Tiina Marja Anne "
    "Eila Sirpa Merja Tarja Aino Aila Laura Heidi Jaana Elisa Katja Sanna Hanna Kirsi "
    "Susanna Jenni Emma Sara Julia Noora Jenna Veera Ella Olivia Pia Niina Outi Anu Maarit "
    "Kaisa Kati Mari Maija Marjo Eeva Hilkka Irma Raija Seija Sinikka Terhi Tuija Ulla Heli "
    "Essi Iida Milla Siiri Venla Eveliina Ronja Pihla Lotta Nelli Aada Inka Pirkko Kaija "
    "Juhani Johannes Mikael Olavi Antero Tapani Kalevi Matti Timo Pekka Jukka Mikko Markku "
    "Juha Kari Antti Jari Mika Hannu Heikki Seppo Janne Ville Petri Sami Marko Tuomas "
    "Jussi Lauri Teemu Jani Harri Pasi Risto Esa Jarmo Kimmo Tero Vesa Eero Pentti Raimo "
    "Erkki Ilkka Jouni Arto Tommi Joni Aleksi Eetu Joonas Niko Oskari Elias Leo Eino Väinö "
    "Aatu Juho Veeti Lassi Arttu Santeri Topias Miro Rasmus Pertti Jorma Keijo Reijo "
    "Veikko Ari Simo Tapio Olli Petteri Jyrki Jaakko Sakari Ilmari Samuli Henri Kalle "
    "Tuomo Aki Riku Aaro Akseli Valtteri Niilo Eemeli Jesse Joel Jarkko Tuukka Jaakko"
)
SV = _names(
    "Eva Karin Kristina Lena Kerstin Ingrid Marie Malin Jenny Linnea Elin Ida Birgitta "
    "Cecilia Annika Susanne Camilla Elsa Alice Maja Astrid Ebba Wilma Agnes Frida Stina "
    "Britt Gunilla Margareta Inger Elisabeth Louise Therese Jessica Lisa Lars Anders Johan "
    "Erik Karl Peter Thomas Daniel Fredrik Bengt Mats Magnus Stefan Nils Oskar Lucas "
    "William Hugo Axel Liam Olle Sven Gustav Henrik Jonas Björn Göran Leif Ulf Kjell Åke "
    "Rolf Emil Filip Viktor Linus Oliver Alexander Sebastian Anton Jakob Isak Albin Ludvig "
    "Patrik Niklas Mattias Joakim Tobias Kristoffer Pontus Simon Martin Andreas Robert "
    "Christer Jörgen Roger Tommy Kenneth Ingvar Birger Sigrid Gunnar Torsten"
)
EN = _names(
    "John James David Michael Richard Paul Steven Andrew George Edward Chris Christopher "
    "Matthew Anthony Joseph Charles Tom Harry Sarah Emily Jennifer Elizabeth Mary Susan "
    "Karen Linda Sophie Lucy Amy Rachel Rebecca Claire Helen Kate Katie Hannah Michelle "
    "Nicola Julie Sam Ben Tim Jim Mike Steve Dave Nick Alex Kevin Brian Gary Ian Stuart "
    "Jane Ann Emma Olivia Jack Oscar Charlie Jacob Noah Ethan Isabella Chloe Megan"
)

# Names that are ordinary words too, so they are removed only after an introduction.
AMBIGUOUS = {
    "Anna": "fi: give (imperative)",
    "Onni": "fi: luck, happiness",
    "Toivo": "fi: hope",
    "Armas": "fi: dear",
    "Usko": "fi: faith",
    "Into": "fi: enthusiasm",
    "Veli": "fi: brother",
    "Otto": "fi: a cash withdrawal",
    "Kai": "fi: probably",
    "Satu": "fi: fairy tale",
    "Tuuli": "fi: wind",
    "Lumi": "fi: snow",
    "Sini": "fi: blue",
    "Helmi": "fi: pearl",
    "Aamu": "fi: morning",
    "Valo": "fi: light",
    "Per": "sv and en: per (12 € per kg)",
    "Hans": "sv: his",
    "Bo": "sv: to live",
    "Klara": "sv: to manage; clear",
    "Saga": "sv: tale",
    "Stig": "sv: path; to step",
    "Jan": "en: January",
    "Will": "en: will",
    "May": "en: may",
    "June": "en: June",
    "April": "en: April",
    "Mark": "en: mark",
    "Bill": "en: the bill",
    "Grace": "en: grace",
    "Rose": "en: rose",
    "Joy": "en: joy",
    "Hope": "en: hope",
    "Max": "en and sv: max",
    "Pat": "en: pat",
}
FIRST_NAMES = tuple(dict.fromkeys(n for n in (*FI, *SV, *EN) if n not in AMBIGUOUS))

# What introduces a name, as regular expressions (matched without regard to case); the
# one or two capitalised words after one are taken as a name.
NAME_CUES = (
    r"nimeni\s+on",
    r"nimi\s+on",
    r"nimeltään",
    r"nimeltä",
    r"terveisin,?",
    r"t\.",
    r"jag\s+heter",
    r"mitt\s+namn\s+är",
    r"heter",
    r"hälsningar,?",
    r"mvh,?",
    r"my\s+name\s+is",
    r"(?:best\s+|kind\s+)?regards,?",
    r"named",
    r"signed,?",
)

# "I am …": a name only when the one or two capitalised words after it end the clause
# ("Olen Kyllikki, vakioasiakas"), and not a Finnish place in a case form ("Olen
# Helsingistä.").
SELF_CUES = (r"olen", r"minä\s+olen", r"mä\s+oon", r"jag\s+är", r"i\s+am", r"i'm")
