#!/usr/bin/env python3
"""Generate the bundled sentiment dataset: assets/data/finance_sentences.jsonl.

Finance-news-wire sentences, each labelled positive, negative or neutral, one JSON
object a line: {"sentence": "...", "label": "neutral"}. Nothing here is copied
from a published corpus or from news articles: every sentence is built from the
hand-written templates and building blocks below, and every company, person and
brand is invented (any likeness to a real one is a coincidence). Places are real
cities and countries, used only as locations.

The label is a property of the template: each template says one thing whose
direction is plain to a reader of financial news (profit fell -> negative, a
contract won -> positive, a listing or a headcount -> neutral). The fills only
pick names and numbers, and the numbers always agree with the template's words
(a "rose to X from Y" has X > Y). Some templates are deliberately hard: neutral
ones full of figures, negative ones with "rose" in them ("rose less than
expected"), positive ones with "fell" ("costs fell", "the loss narrowed").

The label mix is roughly that of financial news: most sentences neutral, about
twice as many positive as negative (LABEL_COUNTS). Templates are used in turn
within a label, so each is used about equally often; no sentence appears twice;
the lines are shuffled. Seeded: running it again writes the same bytes.

Usage (from the repository root):
    python3 scripts/make_finance_sentences.py [--seed 9] [--out PATH]

For a larger file for timing see scripts/grow_finance_sentences.py, which
reuses generate() from here with another seed.
"""

import argparse
import json
import pathlib
import random

# How many sentences of each label the bundled file has (700 in all):
# 58 % neutral, 28 % positive, 14 % negative.
LABEL_COUNTS = {"neutral": 406, "positive": 196, "negative": 98}
SEED = 9

# --- building blocks ---------------------------------------------------------

# Per sector: what the companies make or provide, the site they run (singular,
# plural), and plausible buyers for contract and order sentences.
SECTORS = {
    "paper": (
        ["coated fine paper", "containerboard", "bleached pulp", "tissue paper", "sack paper"],
        ("paper mill", "paper mills"),
        ["a German packaging group", "a Polish printing house", "a Dutch tissue converter",
         "an Italian publisher"],
    ),
    "logistics": (
        ["contract logistics services", "road freight services", "warehousing services",
         "cold-chain transport"],
        ("logistics terminal", "logistics terminals"),
        ["a Nordic grocery chain", "a Swedish furniture retailer", "a German car-parts maker",
         "an Estonian online retailer"],
    ),
    "steel": (
        ["stainless steel coils", "steel tubes", "heavy plate", "reinforcing bar"],
        ("rolling mill", "rolling mills"),
        ["a Norwegian offshore yard", "a German machinery maker", "a Finnish shipyard",
         "a Polish construction group"],
    ),
    "software": (
        ["payroll software", "fleet-management software", "cloud-based ERP systems",
         "point-of-sale software"],
        ("development centre", "development centres"),
        ["a Danish hospital district", "a Swedish bus operator", "a Finnish municipality",
         "a Baltic retail bank"],
    ),
    "food": (
        ["dairy products", "frozen ready meals", "rye bread", "oat drinks", "smoked fish"],
        ("production plant", "production plants"),
        ["a Nordic grocery chain", "a Swedish restaurant group", "a German discount retailer"],
    ),
    "marine": (
        ["ship engines", "propulsion systems", "deck cranes", "ballast water treatment systems"],
        ("engine plant", "engine plants"),
        ["a Norwegian shipowner", "a Greek tanker operator", "a Chinese shipyard",
         "a Danish ferry company"],
    ),
    "energy": (
        ["district heat", "wind power", "electricity", "wood-based biofuels"],
        ("power plant", "power plants"),
        ["a Finnish municipality", "an industrial customer in Sweden", "a Baltic grid operator"],
    ),
    "retail": (
        ["home electronics", "groceries", "sporting goods", "furniture"],
        ("distribution centre", "distribution centres"),
        ["a Swedish hotel chain", "a Norwegian office-supply chain", "a Finnish school district"],
    ),
    "chemicals": (
        ["coating resins", "water-treatment chemicals", "industrial adhesives", "paper chemicals"],
        ("chemical plant", "chemical plants"),
        ["a Finnish pulp mill", "a German paint maker", "a Swedish water utility"],
    ),
    "telecom": (
        ["fibre broadband", "mobile subscriptions", "data-centre services", "network equipment"],
        ("customer service centre", "customer service centres"),
        ["a Finnish municipality", "a Baltic retail bank", "a Swedish bus operator"],
    ),
    "construction": (
        ["residential apartments", "office buildings", "road infrastructure",
         "precast concrete elements"],
        ("precast concrete plant", "precast concrete plants"),
        ["a Finnish municipality", "a Swedish pension fund", "a Norwegian hospital trust"],
    ),
    "machinery": (
        ["forestry machines", "mining drills", "hydraulic cylinders", "harbour cranes"],
        ("assembly plant", "assembly plants"),
        ["a Chilean mining company", "a Swedish forest owner", "a Dutch port operator",
         "an Australian mining group"],
    ),
    "packaging": (
        ["plastic bottles", "corrugated boxes", "flexible packaging", "self-adhesive labels"],
        ("packaging plant", "packaging plants"),
        ["a Nordic dairy cooperative", "a German beverage maker", "a Danish brewery"],
    ),
    "electronics": (
        ["circuit boards", "industrial sensors", "power supplies", "LED lighting systems"],
        ("electronics factory", "electronics factories"),
        ["a German car manufacturer", "a Swedish telecom operator", "a US medical-device maker"],
    ),
    "pharma": (
        ["generic medicines", "diagnostic tests", "veterinary medicines",
         "nutritional supplements"],
        ("production facility", "production facilities"),
        ["a Nordic pharmacy chain", "a German hospital group", "a British distributor"],
    ),
}

# Invented companies: (name, sector, home country). A few carry ä, ö, å so the
# file exercises UTF-8 beyond ASCII.
COMPANIES = [
    ("Norrvik Paper", "paper", "SE"),
    ("Kivisalo Board", "paper", "FI"),
    ("Kestrel Logistics", "logistics", "FI"),
    ("Greyhaven Freight", "logistics", "SE"),
    ("Halmstrand Steel", "steel", "SE"),
    ("Österby Steel", "steel", "FI"),
    ("Vaskila Software", "software", "FI"),
    ("Ravenholt Systems", "software", "DK"),
    ("Lumiranta Foods", "food", "FI"),
    ("Järvelä Dairy", "food", "FI"),
    ("Skogby Bakeries", "food", "SE"),
    ("Sölvik Marine", "marine", "NO"),
    ("Halvard Propulsion", "marine", "NO"),
    ("Tervala Energy", "energy", "FI"),
    ("Eskerdal Power", "energy", "NO"),
    ("Ruskola Retail", "retail", "FI"),
    ("Tidewell Stores", "retail", "SE"),
    ("Brenmoor Chemicals", "chemicals", "FI"),
    ("Corvant Chemicals", "chemicals", "SE"),
    ("Virtala Telecom", "telecom", "FI"),
    ("Lindholt Networks", "telecom", "DK"),
    ("Pohjaranta Construction", "construction", "FI"),
    ("Stenvåg Construction", "construction", "SE"),
    ("Ketola Machinery", "machinery", "FI"),
    ("Jyrkkä Industries", "machinery", "FI"),
    ("Aaltomäki Packaging", "packaging", "FI"),
    ("Brightmoor Packaging", "packaging", "EE"),
    ("Fennoria Electronics", "electronics", "FI"),
    ("Qvantis Sensors", "electronics", "EE"),
    ("Oravala Pharma", "pharma", "FI"),
    ("Medilinna Diagnostics", "pharma", "EE"),
]

# Home countries: (adjective, name, cities, stock exchange city).
COUNTRIES = {
    "FI": ("Finnish", "Finland",
           ["Helsinki", "Tampere", "Oulu", "Turku", "Lahti", "Jyväskylä", "Vaasa", "Kuopio"],
           "Helsinki"),
    "SE": ("Swedish", "Sweden",
           ["Gothenburg", "Malmö", "Uppsala", "Västerås", "Norrköping", "Sundsvall"],
           "Stockholm"),
    "NO": ("Norwegian", "Norway", ["Bergen", "Stavanger", "Trondheim", "Ålesund"], "Oslo"),
    "DK": ("Danish", "Denmark", ["Aarhus", "Odense", "Aalborg"], "Copenhagen"),
    "EE": ("Estonian", "Estonia", ["Tallinn", "Tartu", "Pärnu"], "Tallinn"),
}

# Markets abroad and a city in each, for expansion and location sentences.
ABROAD = [
    ("Poland", "Gdansk"), ("Poland", "Poznan"), ("Germany", "Hamburg"),
    ("Germany", "Leipzig"), ("the Netherlands", "Rotterdam"), ("Lithuania", "Kaunas"),
    ("Latvia", "Riga"), ("China", "Suzhou"), ("India", "Pune"), ("the US", "Charlotte"),
    ("Brazil", "Curitiba"), ("Sweden", "Gothenburg"), ("Finland", "Tampere"),
    ("Denmark", "Aarhus"), ("Norway", "Bergen"), ("Estonia", "Tartu"),
]

FIRST_NAMES = [
    "Anna", "Mikko", "Liisa", "Johan", "Sanna", "Erik", "Katja", "Lars", "Heidi", "Tomas",
    "Maria", "Pekka", "Ingrid", "Jukka", "Elina", "Henrik", "Sofia", "Antti", "Karin",
    "Ville", "Outi", "Magnus", "Riikka", "Jonas",
]
LAST_NAMES = [
    "Haapalehto", "Lindqvist", "Korhola", "Sandström", "Mäkiranta", "Berglund", "Rautio",
    "Ekholm", "Nyqvist", "Aaltonen", "Holmberg", "Saarela", "Vesterinen", "Dahlgren",
    "Kivimäki", "Öhman", "Tallqvist", "Heinonen", "Strand", "Lähdesmäki",
]
CEO_TITLES = ["President and CEO", "CEO", "managing director", "chief executive"]
ROLES = [
    "chief financial officer", "sales director", "chief operating officer",
    "head of investor relations", "chief technology officer", "director of production",
]
INVESTORS = [
    "the Koivula family", "the Ahlvik Foundation", "pension insurer Vakaa Mutual",
    "the investment company Hallonberg Holding", "the Stenius family", "Frostvik Capital",
]
BRANDS = ["Polaris", "Kide", "Nordlys", "Aava", "Fjällro", "Tähti", "Lumo", "Havbris"]
# What a company of each sector is called in a profile sentence.
SECTOR_KINDS = {
    "paper": "forest industry company",
    "logistics": "logistics company",
    "steel": "steel maker",
    "software": "software company",
    "food": "food company",
    "marine": "marine technology group",
    "energy": "energy company",
    "retail": "retailer",
    "chemicals": "chemicals company",
    "telecom": "telecom operator",
    "construction": "construction company",
    "machinery": "machinery maker",
    "packaging": "packaging maker",
    "electronics": "electronics manufacturer",
    "pharma": "pharmaceutical company",
}
BUSINESSES = ["unit", "business area", "division", "segment"]

PROFIT_METRICS = ["operating profit", "net profit", "pre-tax profit", "EBIT",
                  "comparable operating profit", "operating result"]
SALES_METRICS = ["net sales", "revenue", "sales", "order intake"]

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
YEARS = [2023, 2024, 2025]
RATINGS = [("BB", "BB+"), ("BB+", "BBB-"), ("BBB-", "BBB"), ("BBB", "BBB+"), ("A-", "A")]
CONTRACTS = ["contract", "deal", "supply agreement", "framework agreement"]

# Reporting periods: (adjective form, noun form, alternative noun form, month the
# period ends). "{y}" is the year.
PERIODS = [
    ("first-quarter {y}", "the first quarter of {y}", "January-March {y}", "March"),
    ("second-quarter {y}", "the second quarter of {y}", "April-June {y}", "June"),
    ("third-quarter {y}", "the third quarter of {y}", "July-September {y}", "September"),
    ("fourth-quarter {y}", "the fourth quarter of {y}", "October-December {y}", "December"),
    ("first-half {y}", "the first half of {y}", "January-June {y}", "June"),
    ("nine-month {y}", "the first nine months of {y}", "January-September {y}", "September"),
    ("full-year {y}", "{y}", "the financial year {y}", "December"),
]

# --- templates ---------------------------------------------------------------
#
# Fields are filled by Fill below; see its f_* methods for what each one means.
# A field used twice in one template has the same value both times. The first
# letter of every sentence is upper-cased after filling.

POSITIVE = [
    "{company_pos} {pperiod} {pm} rose to {p_up} from {p_old} a year earlier.",
    "{company} has won a {contract} worth {c_amt} to supply {product} to {customer}.",
    "{sm} increased by {s_pct} to {s_up} in {nperiod}, {company} said.",
    "{company} raised its full-year guidance and now expects {pm} to improve clearly "
    "from {prev_year}.",
    "The board of {company} proposes a dividend of EUR {div_up} per share, up from "
    "EUR {div_old} a year earlier.",
    '"We had a strong quarter, with growth in every market area," says {ceo_title} {ceo}.',
    "{company_pos} operating loss narrowed to {p_down} from {p_old} in {nperiod}.",
    "{company} will hire about {n_jobs} people at its {plant} in {city} to meet "
    "growing demand for {product}.",
    "Order intake grew {s_pct} year-on-year to {s_up}, driven by demand for {product}.",
    "{company} beat market expectations with {pperiod} {pm} of {p_up}, against an "
    "analyst consensus of {p_fc_low}.",
    "{company} will invest {c_amt} to expand production capacity at its {plant} in {city}.",
    "Shares in {company} jumped {pct_small} in {exchange} trading after the company "
    "reported better-than-expected results.",
    "The EBIT margin improved to {margin_up} from {margin_old} in {nperiod}.",
    "Earnings per share rose to EUR {eps_up} from EUR {eps_old}.",
    "{company} turned to an operating profit of {p_amt} in {nperiod}, from a loss of "
    "{p_old} a year earlier.",
    "Fixed costs fell by {pct_small} thanks to the efficiency programme, lifting "
    "{company_pos} {pm} to {p_up}.",
    "{company_pos} net debt decreased to {p_down} from {p_old}, and gearing fell to "
    "{gearing_down} %.",
    "{company} has been selected as the main supplier of {product} for {customer}.",
    "{company} signed a {n_years}-year {contract} with {customer}, strengthening its "
    "position in the {product} market.",
    "Demand for {product} picked up in {nperiod}, and {company_pos} delivery volumes grew "
    "by {pct_small}.",
    "{company} said its cost-saving programme will improve annual operating profit by "
    "about {p_small} from {next_year} onwards.",
    '"Our order book has never been stronger," {ceo}, {ceo_title} of {company}, said in '
    "a statement.",
    "A rating agency upgraded {company_pos} credit rating to {rating_high} from "
    "{rating_low}, citing stronger cash flow.",
    "{company_pos} sales in {abroad_country} doubled to {s_amt} in {nperiod}.",
    "The company's market share in {home_country} rose to {share_up} from {share_old}.",
    "Pre-tax profit increased to {p_up}, and {company} raised its dividend proposal to "
    "EUR {div_up} per share.",
    "{company} completed the acquisition of {peer}, which is expected to increase its "
    "earnings per share from {next_year}.",
    "Operating cash flow improved to {p_up} from {p_old}, allowing {company} to repay "
    "{p_small} of debt ahead of schedule.",
    "{company} has received an order worth {c_amt} from {customer}, the largest in the "
    "company's history.",
    "{company_pos} {pm} grew faster than analysts had expected, reaching {p_up} in "
    "{nperiod}.",
    "{company} now expects its {year} net sales to grow by {pct_range}, up from its "
    "earlier forecast of flat sales.",
    "Thanks to higher prices for {product}, {company} returned to profit in {nperiod}.",
    "{company} has been awarded a {contract} worth {c_amt} by {customer}.",
]

NEGATIVE = [
    "{company_pos} {pperiod} {pm} fell to {p_down} from {p_old} a year earlier.",
    "{pm} decreased by {p_pct} to {p_down} in {nperiod}, {company} said.",
    "{company} swung to an operating loss of {p_amt} in {nperiod}, compared with a "
    "profit of {p_old} a year earlier.",
    "{company} will cut {n_jobs} jobs at its {plant} in {city} as demand for {product} "
    "weakens.",
    "{company} plans to close its {plant} in {city}, which employs about {n_jobs} people.",
    "{company} lowered its outlook and now expects its {year} net sales to decline from "
    "{prev_year}.",
    "{company_pos} {pm} rose less than expected, to {p_up} from {p_old}, short of the "
    "{p_fc_high} analysts had forecast.",
    '"Demand for {product} stayed weak throughout the quarter, and we do not expect a '
    'recovery before {next_year}," says {ceo_title} {ceo}.',
    "{company} issued a profit warning on {weekday}, saying its {pperiod} {pm} will be "
    "clearly below last year's level.",
    "{company_pos} order intake dropped {s_pct} to {s_down} as customers postponed "
    "investments.",
    "The board of {company} proposes that no dividend be paid for {year} because of the "
    "weak result.",
    "Higher raw material costs weighed on {company_pos} {pm}, which fell to {p_down} in "
    "{nperiod}.",
    "Shares in {company} fell {pct_small} in {exchange} trading after the company cut "
    "its guidance.",
    "{company} has started negotiations that could lead to the loss of up to {n_jobs} "
    "jobs in {home_country}.",
    "{company} lost a {contract} with {customer}, which accounted for about "
    "{share_old} of its net sales.",
    "Although net sales grew by {s_pct}, {company_pos} operating profit decreased to "
    "{p_down} from {p_old}.",
    "The EBIT margin narrowed to {margin_down} from {margin_old} in {nperiod}.",
    "{company_pos} operating loss widened to {p_up} from {p_old} in {nperiod}.",
    "{company} cut its {year} sales forecast to {s_down} from the {s_old} it had "
    "projected earlier.",
    "Earnings per share fell to EUR {eps_down} from EUR {eps_old}.",
    "{company} will write down the value of its {product} {business} by {p_amt}.",
    "{company_pos} sales of {product} declined {pct_small} in {nperiod}, hurt by lower "
    "prices and volumes.",
    "Production at {company_pos} {plant} in {city} was halted for {n_days} days after a "
    "fire, which will cut operating profit by about {p_small}.",
    "{company} has postponed the expansion of its {plant} in {city} because of weak "
    "demand.",
    "A rating agency downgraded {company_pos} credit rating to {rating_low} from "
    "{rating_high}, citing rising debt.",
    "{company_pos} net debt rose to {p_up} from {p_old}, and gearing climbed to "
    "{gearing_up} %.",
    '"The result for {nperiod} was clearly below our target," {ceo_title} {ceo} said.',
    "{company} will temporarily lay off {n_jobs} workers at its {plant} in {city} "
    "because of a lack of orders.",
    "{company_pos} pre-tax loss totalled {p_amt} in {nperiod}, compared with a pre-tax "
    "profit of {p_old} in the corresponding period of {prev_year}.",
    "The order backlog at the end of {period_end} was {s_down}, {s_pct} lower than a "
    "year earlier.",
    "Net sales rose only {pct_tiny}, while costs increased by {pct_small}, and "
    "{company_pos} operating profit shrank.",
    "The {plant} in {city} will be closed by the end of {next_year}, and {company} "
    "expects to book restructuring costs of about {p_small}.",
]

NEUTRAL = [
    "{company} is {a_home_adj} {kind} specialising in {product} and {product2}.",
    "The company employs about {headcount} people in {n_countries} countries.",
    "{company_pos} shares are listed on the {exchange} stock exchange.",
    "{company} will publish its {report} on {report_date}.",
    "{ceo} has been appointed {role} of {company} as of {date}.",
    "The {plant} in {city} serves customers in {n_countries} countries.",
    "{company_pos} net sales in {year} totalled {s_amt}.",
    "{pm} was {p_amt}, at the same level as a year earlier.",
    "The transaction is expected to be completed by the end of {month} {next_year}.",
    "The financial details of the {contract} with {customer} were not disclosed.",
    "{company} has its headquarters in {city} and subsidiaries in {abroad_country} and "
    "{abroad_country2}.",
    "The annual general meeting of {company} will be held in {city} on {agm_date}.",
    "{company_pos} share capital is {p_amt}, divided into {n_shares} shares.",
    "{company} operates {n_sites} {plants} in {home_country} and one in "
    "{abroad_country}.",
    "{company} supplies {product} mainly to customers in the Nordic countries.",
    "According to {company}, the new {plant} will be built in {abroad_city}, "
    "{abroad_country}.",
    "Deliveries under the {contract} will take place in {next_year}.",
    "{ceo}, who has worked at {company} since {since_year}, will continue as {ceo_title}.",
    "{company} and {peer} have agreed to study cooperation in {product}.",
    "{company_pos} product range includes {product}, {product2} and related services.",
    "The figures for {nperiod} are unaudited.",
    "{company} will start reporting its {product} business as a separate segment from "
    "the beginning of {next_year}.",
    "About {share_old} of {company_pos} net sales come from outside {home_country}.",
    "{company} is majority-owned by {investor}.",
    "The offer period will begin on {date} and end on {date2}.",
    "The new shares will be entered in the trade register on or about {date}.",
    "{company} has {headcount} employees, of whom {n_abroad} work outside {home_country}.",
    "{company_pos} {pperiod} results will be presented by {ceo_title} {ceo} at a news "
    "conference in {city}.",
    "{ceo_title} {ceo} told reporters that {company} has no plans to change its strategy.",
    "{company} expects its {year} net sales to remain at the level of {prev_year}.",
    "{company_pos} new CEO, {ceo}, previously worked as {role} at {other}.",
    "{company_pos} largest shareholder is {investor}, with a stake of {stake}.",
    "Net sales totalled {s_amt} and operating profit {p_amt} in {nperiod}.",
    "{company} will move its {city} office to new premises in {month} {next_year}.",
    "The board proposes to the annual general meeting that {ceo} be elected a new "
    "member of the board of {company}.",
    "{company} sells its {product} under the {brand} brand.",
    "The {plant} in {city} covers some {area} square metres and has {n_staff} "
    "employees.",
    "Of {company_pos} net sales of {s_amt}, {product} accounted for {share_old}.",
    "The company said the {contract} with {customer} runs for {n_years} years.",
    "{company} was founded in {city} in {founded} and today has operations in "
    "{n_countries} countries.",
    "{company_pos} financial year ends in {year_end_month}.",
    '"We will present the updated strategy at our capital markets day in {month}," '
    "says {ceo_title} {ceo}.",
    "{company} repeated its outlook for {year}: net sales and operating profit are "
    "expected to be roughly at the previous year's level.",
]

LABELS = {"positive": POSITIVE, "negative": NEGATIVE, "neutral": NEUTRAL}


# --- filling -----------------------------------------------------------------


class Fill(dict):
    """The fields of one sentence, each drawn the first time a template asks for it.

    Drawing lazily (dict.__missing__) keeps the generator fast for the large files
    of grow_finance_sentences.py, and caching keeps a field that appears twice in a
    template, or that others derive from (p_old for p_up), consistent.
    """

    def __init__(self, rng: random.Random):
        super().__init__()
        self.rng = rng
        self.name, self.sector, self.home = rng.choice(COMPANIES)
        # One unit style and one percent style per sentence, as a wire story would.
        self.money_fmt = rng.choices(
            ["EUR {} mn", "EUR {} million", "€{} million", "EUR {}m"], [45, 35, 10, 10]
        )[0]
        self.pct_fmt = rng.choices(["{} %", "{}%", "{} percent"], [50, 35, 15])[0]

    def __missing__(self, key: str) -> str:
        value = getattr(self, "f_" + key)()
        self[key] = value
        return value

    # formatting helpers

    def money(self, mn: float) -> str:
        text = f"{mn:,.0f}" if mn >= 1000 else f"{mn:.1f}"
        return self.money_fmt.format(text)

    def percent(self, value: float) -> str:
        text = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
        return self.pct_fmt.format(text)

    def pair(self, prefix: str, low: float, high: float) -> None:
        """Draws a base amount and a change, storing old/up/down/pct under prefix.

        The old amount is rounded first and the new ones derived from it, so the
        printed percentage matches the printed amounts to within rounding.
        """
        old = round(self.rng.uniform(low, high), 1)
        pct = round(self.rng.uniform(4.0, 45.0), 1)
        up = old * (1 + pct / 100)
        self[prefix + "_old_v"] = old
        self[prefix + "_up_v"] = up
        self[prefix + "_old"] = self.money(old)
        self[prefix + "_up"] = self.money(up)
        self[prefix + "_down"] = self.money(old * (1 - pct / 100))
        self[prefix + "_pct"] = self.percent(pct)

    def sales_field(self, name: str) -> str:
        self.pair("s", 40.0, 2500.0)
        return self[name]

    def profit_field(self, name: str) -> str:
        self.pair("p", 2.0, 180.0)
        return self[name]

    # company and people

    def f_company(self) -> str:
        return self.name

    def f_company_pos(self) -> str:
        # "Kestrel Logistics'", not "Kestrel Logistics's", as wire copy spells it.
        return self.name + ("'" if self.name.endswith("s") else "'s")

    def f_peer(self) -> str:
        # A company of the same sector: an acquisition or a cooperation partner.
        peers = [c[0] for c in COMPANIES if c[1] == self.sector and c[0] != self.name]
        return self.rng.choice(peers)

    def f_other(self) -> str:
        while True:
            other = self.rng.choice(COMPANIES)[0]
            if other != self.name:
                return other

    def f_product(self) -> str:
        return self.rng.choice(SECTORS[self.sector][0])

    def f_product2(self) -> str:
        while True:
            product = self.rng.choice(SECTORS[self.sector][0])
            if product != self["product"]:
                return product

    def f_plant(self) -> str:
        return SECTORS[self.sector][1][0]

    def f_plants(self) -> str:
        return SECTORS[self.sector][1][1]

    def f_customer(self) -> str:
        return self.rng.choice(SECTORS[self.sector][2])

    def f_business(self) -> str:
        return self.rng.choice(BUSINESSES)

    def f_brand(self) -> str:
        return self.rng.choice(BRANDS)

    def f_investor(self) -> str:
        return self.rng.choice(INVESTORS)

    def f_ceo(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def f_ceo_title(self) -> str:
        return self.rng.choice(CEO_TITLES)

    def f_role(self) -> str:
        return self.rng.choice(ROLES)

    def f_contract(self) -> str:
        return self.rng.choice(CONTRACTS)

    # places

    def f_kind(self) -> str:
        return SECTOR_KINDS[self.sector]

    def f_a_home_adj(self) -> str:
        adj = COUNTRIES[self.home][0]
        return ("an " if adj[0] in "AEIOU" else "a ") + adj

    def f_home_country(self) -> str:
        return COUNTRIES[self.home][1]

    def f_city(self) -> str:
        return self.rng.choice(COUNTRIES[self.home][2])

    def f_exchange(self) -> str:
        return COUNTRIES[self.home][3]

    def abroad(self) -> None:
        home = COUNTRIES[self.home][1]
        choices = [a for a in ABROAD if a[0] != home]
        first = self.rng.choice(choices)
        second = self.rng.choice([a for a in choices if a[0] != first[0]])
        self["abroad_country"], self["abroad_city"] = first
        self["abroad_country2"] = second[0]

    def f_abroad_country(self) -> str:
        self.abroad()
        return self["abroad_country"]

    def f_abroad_city(self) -> str:
        self.abroad()
        return self["abroad_city"]

    def f_abroad_country2(self) -> str:
        if "abroad_country" not in self:
            self.abroad()
        return self["abroad_country2"]

    # time

    def period(self) -> None:
        adj, noun, alt, end_month = self.rng.choice(PERIODS)
        year = self.rng.choice(YEARS)
        self["year"] = str(year)
        self["prev_year"] = str(year - 1)
        self["next_year"] = str(year + 1)
        # The adjective sometimes without its year, as wire copy often has it.
        self["pperiod"] = adj.format(y=year) if self.rng.random() < 0.7 else adj[:-4]
        self["nperiod"] = (noun if self.rng.random() < 0.6 else alt).format(y=year)
        self["period_end"] = f"{end_month} {year}"

    def period_field(self, name: str) -> str:
        self.period()
        return self[name]

    def f_pperiod(self) -> str:
        return self.period_field("pperiod")

    def f_nperiod(self) -> str:
        return self.period_field("nperiod")

    def f_year(self) -> str:
        return self.period_field("year")

    def f_prev_year(self) -> str:
        return self.period_field("prev_year")

    def f_next_year(self) -> str:
        return self.period_field("next_year")

    def f_period_end(self) -> str:
        return self.period_field("period_end")

    def report(self) -> None:
        # Which report a period gets and when it comes out: interim reports a few
        # weeks after the quarter, the year's figures in February or March after it.
        year = self.rng.choice(YEARS)
        kind = self.rng.randrange(5)
        if kind < 3:
            ordinal = ["first", "second", "third"][kind]
            if kind == 1:
                self["report"] = f"half-year report for {year}"
            else:
                self["report"] = f"interim report for the {ordinal} quarter of {year}"
            months, day_year = [(3, 4), (6, 7), (9, 10)][kind], year
        else:
            self["report"] = f"financial statements release for {year}"
            months, day_year = (1, 2), year + 1
        month = self.rng.choice(months)
        self["report_date"] = f"{self.rng.randint(1, 28)} {MONTHS[month]} {day_year}"

    def f_report(self) -> str:
        self.report()
        return self["report"]

    def f_report_date(self) -> str:
        self.report()
        return self["report_date"]

    def f_agm_date(self) -> str:
        # Annual general meetings are held in spring, after the year's accounts.
        return f"{self.rng.randint(1, 28)} {self.rng.choice(MONTHS[2:5])} {self['next_year']}"

    def f_year_end_month(self) -> str:
        return self.rng.choice(["December", "December", "June", "April", "August"])

    def f_month(self) -> str:
        return self.rng.choice(MONTHS)

    def f_weekday(self) -> str:
        return self.rng.choice(WEEKDAYS)

    def f_date(self) -> str:
        # Not December, so that {date2} can fall in the month after it.
        day, month = self.rng.randint(1, 28), self.rng.randrange(11)
        self["date_month"] = month
        return f"{day} {MONTHS[month]} {self['next_year']}"

    def f_date2(self) -> str:
        # In the month after {date}, as an offer period runs for a few weeks.
        month = self["date_month"] + 1 if "date_month" in self else 6
        return f"{self.rng.randint(1, 28)} {MONTHS[month]} {self['next_year']}"

    def f_since_year(self) -> str:
        return str(self.rng.randint(1995, 2019))

    def f_founded(self) -> str:
        return str(self.rng.randint(1872, 2008))

    # amounts

    def f_s_old(self) -> str:
        return self.sales_field("s_old")

    def f_s_up(self) -> str:
        return self.sales_field("s_up")

    def f_s_down(self) -> str:
        return self.sales_field("s_down")

    def f_s_pct(self) -> str:
        return self.sales_field("s_pct")

    def f_p_old(self) -> str:
        return self.profit_field("p_old")

    def f_p_up(self) -> str:
        return self.profit_field("p_up")

    def f_p_down(self) -> str:
        return self.profit_field("p_down")

    def f_p_pct(self) -> str:
        return self.profit_field("p_pct")

    def f_p_fc_high(self) -> str:
        # A forecast above the reported (risen) figure: "rose less than expected".
        self["p_up"]  # draws the pair if this sentence has not yet
        return self.money(self["p_up_v"] * self.rng.uniform(1.08, 1.3))

    def f_p_fc_low(self) -> str:
        # A consensus below the reported (risen) figure: the company beat it.
        self["p_up"]
        return self.money(self["p_up_v"] * self.rng.uniform(0.85, 0.96))

    def f_p_amt(self) -> str:
        return self.money(round(self.rng.uniform(2.0, 180.0), 1))

    def f_p_small(self) -> str:
        return self.money(round(self.rng.uniform(1.0, 25.0), 1))

    def f_s_amt(self) -> str:
        return self.money(round(self.rng.uniform(40.0, 2500.0), 1))

    def f_c_amt(self) -> str:
        return self.money(round(self.rng.uniform(1.5, 120.0), 1))

    def f_pct_small(self) -> str:
        return self.percent(round(self.rng.uniform(3.0, 18.0), 1))

    def f_pct_tiny(self) -> str:
        return self.percent(round(self.rng.uniform(0.2, 1.5), 1))

    def f_pct_range(self) -> str:
        low = self.rng.randint(3, 8)
        return self.pct_fmt.format(f"{low}-{low + self.rng.randint(2, 4)}")

    def margin(self) -> None:
        old = round(self.rng.uniform(3.0, 15.0), 1)
        self["margin_old"] = self.percent(old)
        self["margin_up"] = self.percent(round(old + self.rng.uniform(0.4, 4.0), 1))
        self["margin_down"] = self.percent(round(old - self.rng.uniform(0.4, 2.8), 1))

    def f_margin_old(self) -> str:
        self.margin()
        return self["margin_old"]

    def f_margin_up(self) -> str:
        self.margin()
        return self["margin_up"]

    def f_margin_down(self) -> str:
        self.margin()
        return self["margin_down"]

    def eps(self) -> None:
        old = round(self.rng.uniform(0.12, 2.6), 2)
        self["eps_old"] = f"{old:.2f}"
        self["eps_up"] = f"{old * self.rng.uniform(1.08, 1.6):.2f}"
        self["eps_down"] = f"{old * self.rng.uniform(0.4, 0.9):.2f}"

    def f_eps_old(self) -> str:
        self.eps()
        return self["eps_old"]

    def f_eps_up(self) -> str:
        self.eps()
        return self["eps_up"]

    def f_eps_down(self) -> str:
        self.eps()
        return self["eps_down"]

    def dividend(self) -> None:
        old = round(self.rng.uniform(0.10, 1.50), 2)
        self["div_old"] = f"{old:.2f}"
        self["div_up"] = f"{old + self.rng.choice([0.02, 0.05, 0.08, 0.10, 0.15, 0.20]):.2f}"

    def f_div_old(self) -> str:
        self.dividend()
        return self["div_old"]

    def f_div_up(self) -> str:
        if "div_old" not in self:
            self.dividend()
        return self["div_up"]

    def share(self) -> None:
        old = round(self.rng.uniform(6.0, 35.0), 1)
        self["share_old"] = self.percent(old)
        self["share_up"] = self.percent(round(old + self.rng.uniform(0.5, 5.0), 1))

    def f_share_old(self) -> str:
        self.share()
        return self["share_old"]

    def f_share_up(self) -> str:
        self.share()
        return self["share_up"]

    def f_stake(self) -> str:
        return self.percent(round(self.rng.uniform(5.0, 48.0), 1))

    def f_gearing_up(self) -> str:
        return f"{self.rng.randint(70, 140)}"

    def f_gearing_down(self) -> str:
        return f"{self.rng.randint(15, 60)}"

    def f_rating_low(self) -> str:
        self["rating_low"], self["rating_high"] = self.rng.choice(RATINGS)
        return self["rating_low"]

    def f_rating_high(self) -> str:
        self["rating_low"], self["rating_high"] = self.rng.choice(RATINGS)
        return self["rating_high"]

    # counts

    def f_n_jobs(self) -> str:
        return str(self.rng.choice([self.rng.randint(12, 95), self.rng.randint(100, 650)]))

    def f_headcount(self) -> str:
        return f"{self.rng.randint(120, 24000):,}"

    def f_n_abroad(self) -> str:
        total = int(self["headcount"].replace(",", ""))
        return f"{self.rng.randint(total // 10, total * 7 // 10):,}"

    def f_n_countries(self) -> str:
        return str(self.rng.randint(3, 45))

    def f_n_sites(self) -> str:
        return str(self.rng.randint(2, 9))

    def f_n_staff(self) -> str:
        return str(self.rng.randint(40, 900))

    def f_n_days(self) -> str:
        return str(self.rng.randint(3, 21))

    def f_n_years(self) -> str:
        return self.rng.choice(["two", "three", "four", "five", "seven", "ten"])

    def f_n_shares(self) -> str:
        return f"{self.rng.randint(8_000_000, 320_000_000):,}"

    def f_area(self) -> str:
        return f"{self.rng.randrange(4000, 90000, 500):,}"


def capitalise(sentence: str) -> str:
    """Upper-cases the first letter, also after an opening quote."""
    i = 1 if sentence.startswith('"') else 0
    return sentence[:i] + sentence[i].upper() + sentence[i + 1:]


def fill(template: str, rng: random.Random) -> str:
    """One sentence from one template."""
    fields = Fill(rng)
    # Metric names as fields of their own: sm/pm pick a sales or a profit metric.
    fields["pm"] = rng.choice(PROFIT_METRICS)
    fields["sm"] = rng.choice(SALES_METRICS)
    return capitalise(template.format_map(fields))


def generate(label_counts: dict[str, int], seed: int, unique: bool = True) -> list[dict]:
    """`label_counts` sentences per label, shuffled, as {"sentence", "label"} dicts.

    Within a label the templates are used in turn (in a seeded order), so each is
    about equally common. With `unique`, a sentence already produced is drawn again
    from the next template; templates with few fields run out of new sentences
    early, which is why the turn moves on rather than retrying the same one.
    """
    rng = random.Random(seed)
    seen: set[str] = set()
    rows = []
    for label, count in label_counts.items():
        templates = list(LABELS[label])
        rng.shuffle(templates)
        made = 0
        turn = 0
        misses = 0
        while made < count:
            sentence = fill(templates[turn % len(templates)], rng)
            turn += 1
            if unique:
                if sentence in seen:
                    misses += 1
                    if misses > 100 * count:
                        raise RuntimeError(f"cannot make {count} distinct {label} sentences")
                    continue
                seen.add(sentence)
            rows.append({"sentence": sentence, "label": label})
            made += 1
    rng.shuffle(rows)
    return rows


def write_jsonl(rows: list[dict], out: pathlib.Path) -> None:
    """Writes the rows as UTF-8 JSON lines, keys in the order sentence, label."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps({"sentence": row["sentence"], "label": row["label"]},
                               ensure_ascii=False))
            f.write("\n")


def main() -> None:
    root = pathlib.Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--out", type=pathlib.Path, default=root / "assets" / "data" / "finance_sentences.jsonl"
    )
    args = parser.parse_args()
    rows = generate(LABEL_COUNTS, args.seed)
    write_jsonl(rows, args.out)
    counts = ", ".join(f"{label} {n}" for label, n in LABEL_COUNTS.items())
    print(f"wrote {len(rows)} sentences ({counts}) to {args.out}")


if __name__ == "__main__":
    main()
