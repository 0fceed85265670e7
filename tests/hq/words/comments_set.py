"""A test set of shop comments in Finnish, Swedish and English with planted personal data.

Each template is a realistic comment with slots (``{contact}``, ``{who}`` …) for personal
data and ordinary bits that must survive redaction marked ``⟨…⟩`` (prices, dates, times,
quantities, order numbers). :func:`samples` fills every template several times, each time
with the next values of each slot's pool, so every planted item is known:
``Sample.planted`` lists ``(kind, text)``, ``Sample.ordinary`` the bits to keep. The
values are made with their own check digits by :mod:`tests.hq.words.numbers` (not with
the code under test).

:data:`UNLISTED` are names of people the redaction's name list does not know, written
without an introduction: measured and printed, not planted (the module docstring of
:mod:`hq.words.redact` says why such a name is kept).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import cycle

from tests.hq.words.numbers import card, hetu, iban, personnummer

# --- pools of personal data, per slot and language ----------------------------------------

EMAILS = [
    "maija.virtanen@example.fi",
    "pekka_k82@gmail.com",
    "anna-lena.svensson@telia.se",
    "john.smith+shop@outlook.com",
    "kalle.m@kolumbus.fi",
    "liisa.korhonen (at) example.fi",
    "sven.berg at example dot se",
    "J.Nieminen@Yritys.FI",
    "erik.lindqvist@hotmail.se",
    "s.jones@example.co.uk",
]
URLS = [
    "https://www.facebook.com/maija.virtanen.77",
    "www.instagram.com/pekka_k82",
    "https://example.fi/kuitti?asiakas=558213&t=9f3k",
    "http://linkedin.com/in/erik-lindqvist",
]
PHONES = {
    "fi": [
        "040 123 4567",
        "040-7654321",
        "0501234567",
        "+358 40 123 4567",
        "+358401239876",
        "00358 50 765 4321",
        "(09) 123 4567",
        "09-876 5432",
        "050 765 43 21",
        "+358 (0)44 555 1234",
        "045 678 9012",
        "044-2345 678",
    ],
    "sv": [
        "070-123 45 67",
        "0701234567",
        "+46 70 123 45 67",
        "08-123 456 78",
        "08 765 432 10",
        "031-12 34 56",
        "0046 70 765 4321",
        "+46 (0)8 123 456 78",
        "073 987 65 43",
        "+358 40 765 1234",
    ],
    "en": [
        "+44 20 7946 0958",
        "+1 (555) 123-4567",
        "+358 40 123 4567",
        "+49 30 12345678",
        "07700 900123",
        "+46 70 123 45 67",
        "040 765 4321",
    ],
}
IDS = {
    "fi": [
        hetu("131052", "-", "308"),
        hetu("010594", "Y", "901"),
        hetu("211123", "A", "112"),
        hetu("290200", "B", "476"),
        hetu("050378", "X", "123"),
        hetu("311299", "-", "044"),
        hetu("170705", "C", "233"),
        hetu("040811", "D", "999"),
        hetu("121212", "E", "120"),
        hetu("030301", "F", "005"),
        hetu("150687", "W", "617"),
        hetu("240799", "V", "380"),
        hetu("010190", "U", "262"),
        hetu("280299", "+", "155"),
        hetu("100588", "-", "872").lower(),
    ],
    "sv": [
        personnummer("811218", "987", "short"),
        personnummer("670919", "953", "long"),
        personnummer("460514", "223", "plus"),
        personnummer("900101", "123", "bare"),
        personnummer("851231", "456", "longbare"),
        personnummer("701063", "238", "short"),  # samordningsnummer (day 3 + 60)
        personnummer("880472", "101", "long"),  # samordningsnummer (day 12 + 60)
        personnummer("020228", "774", "short"),
        personnummer("750630", "308", "bare"),
    ],
    "en": [
        hetu("131052", "-", "308"),
        personnummer("811218", "987", "short"),
        hetu("070707", "A", "707"),
        personnummer("930303", "332", "long"),
    ],
}
PAYMENTS = {
    "fi": [
        card("411111111111111", (4, 4, 4, 4), " "),
        card("555555555555444", (4, 4, 4, 4), "-"),
        card("378282246310005"[:14], (4, 6, 5), " "),
        card("401288888888188", (16,), ""),
        iban("FI", "12345600000785", True),
        iban("FI", "79440052000123", False),
        card("453201511283036", (4, 4, 4, 4), " "),
        iban("FI", "55800013000248", True),
    ],
    "sv": [
        card("522222222222222", (4, 4, 4, 4), " "),
        iban("SE", "50000000058398257466", True),
        card("492970000000000", (4, 4, 4, 4), "-"),
        iban("SE", "30000000000123456789", False),
        card("601111111111111", (16,), ""),
        card("676770000000000", (4, 4, 4, 4), " "),
    ],
    "en": [
        card("411111111111111", (4, 4, 4, 4), " "),
        iban("GB", "NWBK60161331926819", True),
        card("371449635398431"[:14], (4, 6, 5), "-"),
        iban("FI", "12345600000785", True),
    ],
}
NAMES = {
    "fi": [
        "Maija",
        "Pekka Virtanen",
        "Jukka",
        "Tiina Korhonen",
        "Matti",
        "Sari",
        "Heikki Nieminen",
        "Laura",
        "Mikko Mäkinen",
        "Riitta",
        "Antti",
        "Johanna Laine",
    ],
    "sv": [
        "Erik",
        "Karin Svensson",
        "Lars",
        "Malin Berg",
        "Johan",
        "Elin",
        "Anders Lindqvist",
        "Ingrid",
        "Magnus",
        "Linnea Holm",
    ],
    "en": ["John", "Sarah Jones", "Michael", "Emily", "David Brown", "Kate", "Tom Walker"],
}
NAMES_TO = ["Maijalle", "Jukalle", "Pekalle", "Matille", "Sarille", "Antille", "Lauralle"]
NAMES_FROM = ["Maijalta", "Pekalta", "Tiinalta", "Jukalta", "Riitalta", "Mikolta"]
INTRODUCED = {
    "fi": ["Aleksanteri Kivi", "Kyllikki", "Onni Lahtinen", "Anna Salo", "Toivo"],
    "sv": ["Hans Ek", "Saga Lind", "Bo Nyberg", "Klara"],
    "en": ["Will Carter", "May Evans", "Grace", "Bill Hughes"],
}
ADDRESSES = {
    "fi": [
        "Mannerheimintie 12 B 34",
        "Hämeenkatu 5 A 3, 33100 Tampere",
        "Kauppakadulla 7",
        "Koivukuja 3 as. 4",
        "Rantatie 18",
        "Puistokatu 2 C 21, 00140 Helsinki",
    ],
    "sv": [
        "Storgatan 5",
        "Kungsgatan 12 lgh 1102",
        "Drottninggatan 45, 111 21 Stockholm",
        "Björkvägen 9",
        "Esplanaden 22 B 7",
    ],
    "en": ["12 Baker Street", "221 Station Road", "Mannerheimintie 12 B 34", "Storgatan 5"],
}
SLOT_KINDS = {
    "email": "email",
    "url": "url",
    "phone": "phone",
    "id": "id",
    "pay": "pay",
    "who": "name",
    "who_to": "name",
    "who_from": "name",
    "intro": "name",
    "home": "address",
}

# --- templates --------------------------------------------------------------------------

FI = [
    "Kassajono oli tosi pitkä ⟨klo 17.30⟩, vain ⟨yksi kassa⟩ auki. Soittakaa {phone}",
    "Myyjä {who} oli todella ystävällinen ja auttoi löytämään ⟨laktoosittoman maidon⟩.",
    "Hyllyssä luki ⟨2,49 €⟩ mutta kassalla veloitettiin ⟨3,19 €⟩. Vastatkaa {email}",
    "Maksoin kortilla {pay} ja summa veloitettiin kahdesti ⟨6.12.2026⟩.",
    "Kiitos {who_to} hyvästä palvelusta! Löysin kaiken mitä tarvitsin.",
    "Vessa oli likainen ja lattialla roskia ⟨klo 9.15⟩. Otan yhteyttä {email}",
    "Palautin viallisen kahvinkeittimen, kuitti ⟨nro 4455123⟩. Hetu {id} jos tarvitsette.",
    "Tilasin noudon ⟨tilaus 78231⟩, eikä sitä löytynyt. Soita {phone} kiitos.",
    "Sain {who_from} hyvät neuvot viinivalintaan. ⟨12,90 €⟩ pullo oli loistava.",
    "Lähettäkää hyvitys tililleni {pay}, kiitos. Ostos ⟨5.12.⟩ noin ⟨klo 18.45⟩.",
    "Banaaneja ei ollut ⟨lauantaina⟩ ollenkaan, hylly tyhjä. Asun {home}, lähin kauppa.",
    "Nimeni on {intro} ja haluan valittaa pitkästä jonosta ⟨kassalla 3⟩.",
    "Jauheliha loppui jo ⟨klo 16⟩, ⟨400 g⟩ paketteja ei ollut. Lisätietoja {url}",
    "Terveisin {who}, kiitos hyvästä kaupasta!",
    "Kassahenkilö {who} oli töykeä, ei edes tervehtinyt. ⟨Kassa 2⟩, ⟨klo 19.05⟩.",
    "Tarjous ⟨3 kpl 5 €⟩ ei toiminut kassalla. Ottakaa yhteyttä {phone} tai {email}",
    "Ostin lahjakortin ⟨50 €⟩, se ei toiminut. Tilinumero {pay}",
    "Parkkipaikalla oli roskia ja kärryt hujan hajan ⟨sunnuntaina 1.12.⟩. Osoite {home}",
    "Itsepalvelukassa jumittui ⟨kolme kertaa⟩. Henkilötunnukseni {id}, laittakaa palkkio.",
    "Pullonpalautus ⟨rikki jo viikon⟩. Tässä numero {phone}",
    "Hinnat nousseet ⟨20 %⟩ vuodessa, leipä maksaa nyt ⟨4,29 €⟩. {who}",
    "Kiitos {who_to}, joka kantoi ostokset autoon ⟨tiistaina⟩!",
    "Kalatiski oli kiinni ⟨klo 18⟩ vaikka aukioloaika on ⟨20 asti⟩. Vastaus {email}",
    "Tilausnumero ⟨A-88213⟩, toimitus myöhässä ⟨2 päivää⟩. Asiakasnumero {id}",
    "Valikoima on suppea, ⟨gluteenittomia⟩ tuotteita vähän. Lue lisää {url}",
    "Hedelmät olivat pilaantuneita, ⟨1,5 kg⟩ meni roskiin. Palautus tilille {pay}",
    "Jono eteni hitaasti, odotin ⟨15 minuuttia⟩. Olen {intro}, vakioasiakas.",
    "Paketti toimitettiin väärään osoitteeseen, oikea on {home}. Puh {phone}",
    "Myyjältä {who_from} sain hyvää palvelua, kiitos ⟨6.12.⟩",
    "Siisti ja valoisa myymälä, henkilökunta ystävällistä. T. {who}",
]
SV = [
    "Kön var jättelång ⟨kl. 17.30⟩ och bara ⟨en kassa⟩ öppen. Ring mig på {phone}",
    "Expediten {who} var supertrevlig och hjälpte mig hitta ⟨laktosfri mjölk⟩.",
    "Hyllan sa ⟨2,49 €⟩ men i kassan blev det ⟨3,19 €⟩. Svara till {email}",
    "Jag betalade med kort {pay} och blev debiterad två gånger ⟨6.12.2026⟩.",
    "Toaletten var smutsig och det låg skräp på golvet ⟨kl. 9.15⟩. Mejla {email}",
    "Jag returnerade en trasig vattenkokare, kvitto ⟨nr 4455123⟩. Personnummer {id}",
    "Min beställning ⟨order 78231⟩ fanns inte. Ring {phone} tack.",
    "Skicka återbetalningen till mitt konto {pay}. Köpet gjordes ⟨5.12.⟩ ⟨kl. 18:45⟩.",
    "Det fanns inga bananer ⟨på lördagen⟩. Jag bor på {home}, närmaste butik.",
    "Jag heter {intro} och vill klaga på den långa kön vid ⟨kassa 3⟩.",
    "Köttfärsen tog slut redan ⟨kl. 16⟩, inga ⟨400 g⟩ förpackningar. Mer info {url}",
    "Hälsningar {who}, tack för en bra butik!",
    "Kassören {who} var otrevlig och hälsade inte ens. ⟨Kassa 2⟩, ⟨kl. 19.05⟩.",
    "Erbjudandet ⟨3 för 5 €⟩ fungerade inte i kassan. Kontakta {phone} eller {email}",
    "Presentkortet på ⟨50 €⟩ fungerade inte. Kontonummer {pay}",
    "Självscanningen hängde sig ⟨tre gånger⟩. Mitt personnummer är {id}",
    "Priserna har gått upp ⟨20 %⟩ på ett år, brödet kostar ⟨4,29 €⟩. Mvh {who}",
    "Fiskdisken stängde ⟨kl. 18⟩ fast öppettiden är till ⟨20⟩. Svar till {email}",
    "Leveransen kom till fel adress, rätt är {home}. Tfn {phone}",
    "Mycket rent och fint, personalen trevlig. Med vänlig hälsning {who}",
    "Frukten var rutten, ⟨1,5 kg⟩ åkte i soporna. Återbetala till {pay}",
    "Jag väntade ⟨15 minuter⟩ i kön. Samordningsnummer {id}, om ni behöver.",
    "Pantautomaten har varit trasig ⟨en vecka⟩. Mitt nummer {phone}",
    "Sortimentet är litet, få ⟨glutenfria⟩ varor. Se {url}",
    "Tack till {who} i kassan som bar kassarna till bilen ⟨på tisdagen⟩!",
]
EN = [
    "The queue was really long ⟨at 5.30 pm⟩, only ⟨one till⟩ open. Call me on {phone}",
    "The assistant {who} was lovely and helped me find ⟨lactose-free milk⟩.",
    "The shelf said ⟨2,49 €⟩ but I was charged ⟨3,19 €⟩ at the till. Reply to {email}",
    "I paid with card {pay} and was charged twice on ⟨6.12.2026⟩.",
    "Toilets were dirty and litter on the floor ⟨at 9:15⟩. Email me {email}",
    "Returned a broken kettle, receipt ⟨no. 4455123⟩. My ID number is {id}",
    "My order ⟨#78231⟩ was not there. Please call {phone}",
    "Refund to my account {pay} please. Bought on ⟨5 Dec⟩ around ⟨18:45⟩.",
    "No bananas ⟨on Saturday⟩ at all. I live at {home}, nearest shop.",
    "My name is {intro} and I want to complain about the queue at ⟨till 3⟩.",
    "Mince ran out ⟨by 4pm⟩, no ⟨400 g⟩ packs left. More at {url}",
    "Regards, {who}. Thanks for a nice store!",
    "Cashier {who} was rude and did not even say hello. ⟨Till 2⟩, ⟨7.05 pm⟩.",
    "The ⟨3 for £5⟩ offer did not work. Contact {phone} or {email}",
    "Self-checkout froze ⟨three times⟩. Contact me at {phone}",
    "Prices went up ⟨20%⟩ in a year, bread is ⟨£4.29⟩ now. Cheers {who}",
]

# Comments without personal data: nothing in them may be removed (false positives).
CLEAN = {
    "fi": [
        "Maito ⟨1,29 €⟩, leipä ⟨2,49 €⟩ ja kahvi ⟨6,90 €⟩ – edullista!",
        "Kävin ⟨6.12.2026⟩ ⟨klo 18.30⟩, kassajono ⟨10 minuuttia⟩.",
        "⟨2 kpl⟩ jogurttia ⟨0,99 €/kpl⟩, tarjous ⟨-30 %⟩ toimi hyvin.",
        "Kuitti ⟨nro 1234567⟩, palautin ⟨3 pulloa⟩.",
        "Anna palautetta useammin, sanoi ⟨kassa 4⟩ myyjä. Hyvä idea!",
        "Avoinna ⟨7–22⟩ joka päivä, ⟨24.12.⟩ vain ⟨klo 7–13⟩.",
        "Tilaus ⟨A-55821⟩ tuli ajallaan, ⟨2,5 kg⟩ perunoita.",
        "Hämeenkadun myymälässä aina siistiä, kiitos!",
        "Ostin ⟨12 munaa⟩ hintaan ⟨3,45 €⟩, vuonna ⟨2019⟩ ne maksoivat ⟨2,10 €⟩.",
        "Pullonpalautuksesta sain ⟨4,60 €⟩ kuitin, numero ⟨885522⟩.",
        "Kassalla ⟨5⟩ oli jono ⟨13.15–13.45⟩, muut kassat kiinni.",
        "EAN ⟨6415712504028⟩ tuotteen hinta väärin hyllyssä.",
        "Onni oli löytää viimeinen paketti! Toivo, että niitä tulee lisää.",
        "Kaupan osoite on ⟨Kauppakatu⟩ mutta kyltit ovat huonot.",
    ],
    "sv": [
        "Mjölk ⟨1,29 €⟩, bröd ⟨2,49 €⟩ och kaffe ⟨6,90 €⟩ – billigt!",
        "Jag var där ⟨6.12.2026⟩ ⟨kl. 18.30⟩, kön tog ⟨10 minuter⟩.",
        "⟨2 st⟩ yoghurt ⟨0,99 €/st⟩, rabatten ⟨-30 %⟩ fungerade.",
        "Kvitto ⟨nr 1234567⟩, jag pantade ⟨3 flaskor⟩.",
        "Öppet ⟨7–22⟩ varje dag, ⟨24.12.⟩ bara ⟨kl. 7–13⟩.",
        "Hans kollega i kassan var trevlig. Per kilo ⟨3,99 €⟩.",
        "Beställning ⟨A-55821⟩ kom i tid, ⟨2,5 kg⟩ potatis.",
        "Butiken på Storgatan är alltid ren, tack!",
        "Köpte ⟨12 ägg⟩ för ⟨3,45 €⟩, år ⟨2019⟩ kostade de ⟨2,10 €⟩.",
        "Klara instruktioner vid självscanningen, bra!",
    ],
    "en": [
        "Milk ⟨£1.29⟩, bread ⟨£2.49⟩ and coffee ⟨£6.90⟩ – cheap!",
        "Went on ⟨6.12.2026⟩ ⟨at 18:30⟩, the queue took ⟨10 minutes⟩.",
        "⟨2 x⟩ yoghurt at ⟨0,99 €⟩ each, the ⟨-30 %⟩ discount worked.",
        "Receipt ⟨no. 1234567⟩, returned ⟨3 bottles⟩.",
        "Open ⟨7–22⟩ every day, on ⟨24 Dec⟩ only ⟨7–13⟩.",
        "Will you stock more gluten-free bread? May I suggest oat bread.",
        "Order ⟨A-55821⟩ arrived on time, ⟨2.5 kg⟩ of potatoes.",
        "Bought ⟨12 eggs⟩ for ⟨3,45 €⟩, in ⟨2019⟩ they were ⟨2,10 €⟩.",
        "Mark-downs at ⟨8 pm⟩ are great, ⟨50 %⟩ off bakery.",
    ],
}
# Names the list does not know, without an introduction: measured, not planted.
UNLISTED = [
    ("fi", "Kyllikki oli todella avulias hedelmäosastolla.", "Kyllikki"),
    ("fi", "Kassalla ollut Aukusti oli tyly.", "Aukusti"),
    ("sv", "Tack till Signe i kassan!", "Signe"),
    ("sv", "Alvar vid fiskdisken var otrevlig.", "Alvar"),
    ("en", "Thanks to Priya at customer service.", "Priya"),
    ("en", "Dwayne on the tills was great.", "Dwayne"),
]


@dataclass(frozen=True)
class Sample:
    """One comment of the set: its language, text, planted personal data
    (``(kind, text)``; kind ``pay`` is ``card`` or ``iban``) and ordinary bits to keep."""

    language: str
    text: str
    planted: tuple[tuple[str, str], ...]
    ordinary: tuple[str, ...]


_SLOT = re.compile(r"\{(\w+)\}")
_ORDINARY = re.compile(r"⟨([^⟩]*)⟩")


def _pools(language: str) -> dict[str, cycle]:
    return {
        "email": cycle(EMAILS),
        "url": cycle(URLS),
        "phone": cycle(PHONES[language]),
        "id": cycle(IDS[language]),
        "pay": cycle(PAYMENTS[language]),
        "who": cycle(NAMES[language]),
        "who_to": cycle(NAMES_TO),
        "who_from": cycle(NAMES_FROM),
        "intro": cycle(INTRODUCED[language]),
        "home": cycle(ADDRESSES[language]),
    }


def _kind(slot: str, value: str) -> str:
    if slot == "pay":
        return "iban" if value[:2].isalpha() else "card"
    return SLOT_KINDS[slot]


def samples(rounds: int = 3) -> list[Sample]:
    """Every template filled *rounds* times, and the clean comments once."""
    found: list[Sample] = []
    for language, templates in (("fi", FI), ("sv", SV), ("en", EN)):
        pools = _pools(language)
        for _ in range(rounds):
            for template in templates:
                planted: list[tuple[str, str]] = []

                def fill(m: re.Match, pools=pools, planted=planted) -> str:
                    value = next(pools[m.group(1)])
                    planted.append((_kind(m.group(1), value), value))
                    return value

                text = _SLOT.sub(fill, template)
                ordinary = tuple(_ORDINARY.findall(text))
                found.append(Sample(language, _ORDINARY.sub(r"\1", text), tuple(planted), ordinary))
        for text in CLEAN[language]:
            ordinary = tuple(_ORDINARY.findall(text))
            found.append(Sample(language, _ORDINARY.sub(r"\1", text), (), ordinary))
    return found


def traces(planted: str) -> list[str]:
    """The parts of a planted item that must not be left: the item itself and each of its
    pieces of 3 characters or more (a group of a phone number, a surname, a domain)."""
    pieces = [p for p in re.split(r"[\s()\-+,.@/?=&]+", planted) if len(p) >= 3]
    return [planted, *pieces]


def left_over(sample: Sample, redacted: str) -> list[tuple[str, str]]:
    """The planted items of *sample* of which something is left in *redacted*."""
    out = []
    for kind, item in sample.planted:
        if any(piece in redacted for piece in traces(item) if piece not in _ordinary_text(sample)):
            out.append((kind, item))
    return out


def _ordinary_text(sample: Sample) -> str:
    """The sample's text with its planted items taken out (pieces found there are not
    traces: "Tampere" of an address is also in "Tampereen" of the comment)."""
    text = sample.text
    for _, item in sample.planted:
        text = text.replace(item, " ")
    return text


def mangled(sample: Sample, redacted: str) -> list[str]:
    """The ordinary bits of *sample* that are no longer in *redacted*, word for word."""
    return [bit for bit in sample.ordinary if bit not in redacted]
