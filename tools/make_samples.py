"""Generate the sample exports of the fictional shop "Sklep Bałtyk" into ``sample_files/``.

Run ``python tools/make_samples.py``. The output is deterministic (seeded random, fixed
timestamps inside the workbooks), needs no network and uses only the standard library and
openpyxl. Sklep Bałtyk is a Polish-Swedish outdoor-gear business: a web shop (orders), a small
B2B team working in a CRM (leads, deals, stage history, activities), marketing spend per
channel, a gear-rental club billed through Stripe, sales targets and competitor prices.

Every file is written the way real tools export it, messes included (see ``README.md`` in the
output folder, which this script writes as well). All names, e-mails and numbers are invented.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math
import random
import re
import string
import textwrap
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "sample_files"
SEED = 20251103

START = dt.date(2024, 7, 1)
END = dt.date(2025, 10, 31)
END_DT = dt.datetime(2025, 10, 31, 23, 59)
EXPORT_STAMP = dt.datetime(2025, 11, 1, 8, 0)
TARGETS_UNTIL = dt.date(2025, 12, 1)
PRICE_CHANGE = dt.date(2025, 1, 1)
BLACK_WEEK = (dt.date(2024, 11, 25), dt.date(2024, 12, 2))
SEK_FROM = dt.date(2025, 9, 15)
SEK_PER_PLN = 2.68

MAX_FILE_BYTES = 1_500_000
MAX_TOTAL_BYTES = 3_000_000

ORDERS_FILE = "zamowienia_sklep.csv"
CRM_FILE = "crm_export.xlsx"
LEADS_FILE = "leads_sv.csv"
MARKETING_FILE = "marknadsforing_2024_2025.xlsx"
SUBSCRIPTIONS_FILE = "subscriptions_stripe.csv"
TARGETS_FILE = "targets_2025.xlsx"
COMPETITORS_FILE = "ceny_konkurencji.csv"

# --------------------------------------------------------------------------------------------
# The business
# --------------------------------------------------------------------------------------------

SHOP_TEAM = "Sklep"
B2B_TEAM = "B2B"
SHOP_REPS = ("Anna Kowalska", "Piotr Wiśniewski")
B2B_REPS = ("Erik Lindqvist", "Maja Söderberg")
# Who owns CRM leads and deals (the shop reps take a few larger web customers).
CRM_OWNERS = (*B2B_REPS, *SHOP_REPS)
CRM_OWNER_WEIGHTS = (0.41, 0.39, 0.11, 0.09)

REGIONS = ("Mazowieckie", "Pomorskie", "Małopolskie", "Skåne")
REGION_WEIGHTS = (0.34, 0.31, 0.20, 0.15)
REGION_REP = {
    "Mazowieckie": "Piotr Wiśniewski",
    "Małopolskie": "Piotr Wiśniewski",
    "Pomorskie": "Anna Kowalska",
    "Skåne": "Anna Kowalska",
}

SHOP_CHANNELS = ("Google Ads", "Meta Ads", "Allegro", "Newsletter", "Bezpośrednio")
NEW_CUSTOMER_CHANNEL_WEIGHTS = (0.36, 0.28, 0.20, 0.0, 0.16)
REPEAT_CHANNEL_WEIGHTS = (0.15, 0.10, 0.15, 0.30, 0.30)

LEAD_SOURCES = ("LinkedIn", "Google Ads", "Newsletter", "Referral")
LEAD_SOURCE_WEIGHTS = (0.34, 0.30, 0.12, 0.24)
TRADE_FAIR = "Trade fair"
# Fair name -> first day (two-day fairs).
FAIRS = {
    "Targi Kielce Outdoor 2024": dt.date(2024, 10, 16),
    "Outdoor Expo, Göteborg 2025": dt.date(2025, 3, 20),
    "Targi Kielce Outdoor 2025": dt.date(2025, 9, 17),
}
# Lead -> deal conversion probability per source (qualification is about 2.4 times higher).
LEAD_CONVERSION = {
    "LinkedIn": 0.12,
    "Google Ads": 0.11,
    "Newsletter": 0.09,
    "Referral": 0.30,
    TRADE_FAIR: 0.17,
}

PROVIDED_SOURCES = ("Google Ads", "Newsletter", TRADE_FAIR)
FUNNEL = ("Qualification", "Demo Scheduled", "Proposal Sent", "Negotiation")
WON, LOST = "Closed Won", "Closed Lost"
STAGE_PROBABILITY = {
    "Qualification": 0.10,
    "Demo Scheduled": 0.25,
    "Proposal Sent": 0.50,
    "Negotiation": 0.75,
    WON: 1.0,
    LOST: 0.0,
}
ADVANCE = (0.72, 0.73, 0.78, 0.78)  # probability to leave each funnel stage forwards
DWELL_DAYS = (6.0, 9.0, 9.0, 10.0)  # median days spent in each funnel stage
STALL = 0.03  # probability that a deal silently stops moving at a stage
LOST_REASONS = (  # reason, weight, probability the rep marks it winnable
    ("Price too high", 0.28, 0.60),
    ("Chose competitor", 0.22, 0.25),
    ("No budget", 0.20, 0.10),
    ("No response", 0.18, 0.85),
    ("Bad timing", 0.12, 0.80),
)
DEAL_KINDS = (
    "team outfitting",
    "event tents",
    "employee gift packs",
    "rental fleet",
    "scout group kit",
    "hotel guest gear",
    "winter jackets",
)

SHOP_SEASON = {1: 0.70, 2: 0.70, 3: 0.85, 4: 1.0, 5: 1.15, 6: 1.30}
SHOP_SEASON |= {7: 1.35, 8: 1.20, 9: 0.90, 10: 0.85, 11: 1.30, 12: 1.35}
B2B_SEASON = {1: 0.8, 2: 1.0, 3: 1.3, 4: 1.2, 5: 1.1, 6: 0.9}
B2B_SEASON |= {7: 0.6, 8: 0.7, 9: 1.3, 10: 1.2, 11: 1.0, 12: 0.6}
PRODUCT_SEASON = {
    "summer": (0.5, 0.6, 0.8, 1.1, 1.4, 1.7, 1.8, 1.5, 0.9, 0.6, 0.6, 0.7),
    "winter": (1.2, 1.0, 0.8, 0.6, 0.5, 0.4, 0.4, 0.5, 0.9, 1.3, 1.7, 1.9),
    "all": (0.9, 0.9, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.3),
}
WEEKDAY_WEIGHT = (1.10, 1.05, 1.0, 1.0, 0.95, 0.80, 1.05)

BASE_ORDERS_PER_MONTH = 165
SHOP_GROWTH = 1.018  # per month
BASE_LEADS_PER_MONTH = 82
B2B_GROWTH = 1.02
BASE_SUBS_PER_MONTH = 9


@dataclass(frozen=True)
class Product:
    name: str
    category: str
    price_2024: float
    price_2025: float
    cost: float
    season: str
    weight: float
    launch: dt.date | None = None

    def price_on(self, day: dt.date) -> float:
        return self.price_2025 if day >= PRICE_CHANGE else self.price_2024

    def cost_on(self, day: dt.date) -> float:
        return round(self.cost * (1.03 if day >= PRICE_CHANGE else 1.0), 2)


NEW_PRODUCT = "Plecak Fjord 45L Pro"
OLD_PRODUCT = "Plecak Fjord 40L"
LAUNCH_DATE = dt.date(2025, 3, 1)
CANNIBALISED_SHARE = 0.38  # the old backpack keeps this share of its demand after the launch

PRODUCTS = (
    Product("Namiot Bałtyk 2P", "Namioty", 899, 949, 505, "summer", 5),
    Product("Namiot Bałtyk 3P", "Namioty", 1199, 1249, 690, "summer", 3),
    Product(OLD_PRODUCT, "Plecaki", 449, 449, 245, "summer", 8),
    Product(NEW_PRODUCT, "Plecaki", 529, 529, 280, "summer", 7, LAUNCH_DATE),
    Product("Plecak Miejski 22L", "Plecaki", 219, 229, 112, "all", 9),
    Product("Śpiwór Sarek -5°C", "Śpiwory", 389, 399, 215, "summer", 5),
    Product("Śpiwór Letni +10°C", "Śpiwory", 199, 209, 104, "summer", 5),
    Product("Kurtka Sztorm", "Odzież", 599, 629, 335, "winter", 6),
    Product("Polar Rysy", "Odzież", 249, 259, 128, "winter", 8),
    Product("Buty Trekkingowe Tatra", "Obuwie", 649, 679, 372, "all", 5),
    Product("Kijki Trekkingowe Carbon", "Akcesoria", 279, 289, 140, "summer", 4),
    Product("Czołówka LED 400", "Akcesoria", 119, 129, 54, "winter", 9),
    Product("Kuchenka Gazowa Mini", "Akcesoria", 159, 169, 84, "summer", 5),
    Product("Butelka Termiczna 1L", "Akcesoria", 99, 109, 44, "winter", 10),
    Product("Mata Samopompująca", "Akcesoria", 229, 239, 122, "summer", 4),
    Product("Hamak Lekki", "Akcesoria", 139, 139, 68, "summer", 4),
)

PL_FIRST = (
    "Anna", "Katarzyna", "Magdalena", "Agnieszka", "Joanna", "Ewa", "Marta", "Zofia", "Julia",
    "Aleksandra", "Piotr", "Krzysztof", "Tomasz", "Paweł", "Michał", "Marcin", "Jakub", "Łukasz",
    "Kamil", "Wojciech", "Bartosz", "Mateusz", "Grzegorz", "Natalia", "Karolina",
)  # fmt: skip
PL_LAST = (
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
    "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
    "Krawczyk", "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski", "Michalski", "Król",
    "Wieczorek", "Jabłoński", "Wróbel", "Majewski", "Olszewski", "Stępień", "Malinowski",
)  # fmt: skip
SE_FIRST = (
    "Erik", "Lars", "Karl", "Anders", "Johan", "Oskar", "Nils", "Emma", "Elsa", "Maja",
    "Ingrid", "Astrid", "Linnea", "Sofia", "Frida", "Henrik", "Axel", "Klara",
)  # fmt: skip
SE_LAST = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Lindberg", "Lindqvist", "Holm", "Berg", "Sjöberg",
    "Åkesson", "Ekström", "Lundgren",
)  # fmt: skip
PL_DOMAINS = ("gmail.com", "wp.pl", "o2.pl", "onet.pl", "interia.pl", "outlook.com")
PL_DOMAIN_WEIGHTS = (0.38, 0.18, 0.14, 0.12, 0.08, 0.10)
SE_DOMAINS = ("gmail.com", "hotmail.se", "telia.com", "outlook.com", "icloud.com")
SE_DOMAIN_WEIGHTS = (0.40, 0.20, 0.15, 0.15, 0.10)

PL_COMPANY_STEMS = (
    "Jantar", "Bursztyn", "Morena", "Kaszuby", "Wisła", "Tatry", "Mazury", "Orlik", "Sokół",
    "Żuraw", "Rysy", "Warmia", "Hel", "Sopot", "Lech", "Beskid", "Kormoran", "Wydma", "Dunajec",
    "Brda", "Giewont", "Pilica", "Łeba", "Oliwa",
)  # fmt: skip
PL_COMPANY_KINDS = (
    "Logistyka", "Travel", "Event", "Hotel", "Budownictwo", "IT", "Energia", "Szkoła Przetrwania",
    "Outdoor Team", "Consulting", "Transport", "Klub Sportowy",
)  # fmt: skip
PL_COMPANY_FORMS = ("Sp. z o.o.", "Sp. z o.o.", "S.A.", "sp.j.", "sp.k.")
SE_COMPANY_STEMS = (
    "Nordvik", "Österlen", "Kullaberg", "Lunds", "Malmö", "Ystad", "Söderåsen", "Hallands",
    "Fjäll", "Sundets", "Öresunds", "Bjäre", "Skanör", "Ljungby",
)  # fmt: skip
SE_COMPANY_KINDS = ("Event", "Friluft", "Konsult", "Bygg", "Turism", "Skola", "Äventyr")

SWEDISH_MONTHS = (
    "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
    "oktober", "november", "december",
)  # fmt: skip

# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def pick(rng: random.Random, items: Sequence[T], weights: Sequence[float]) -> T:
    """One weighted random choice."""
    return rng.choices(items, weights)[0]


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def add_months_dt(moment: dt.datetime, months: int) -> dt.datetime:
    return dt.datetime.combine(add_months(moment.date(), months), moment.time())


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of every month from ``first``'s month to ``last``'s month."""
    months = []
    current = month_start(first)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


def days_of_month(month: dt.date) -> list[dt.date]:
    count = calendar.monthrange(month.year, month.month)[1]
    return [month.replace(day=d) for d in range(1, count + 1)]


def month_index(day: dt.date) -> int:
    return (day.year - START.year) * 12 + day.month - START.month


def month_key(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def quarter_key(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def next_workday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def work_time(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment during office hours on ``day`` (moved to Monday from a weekend)."""
    day = next_workday(day)
    minutes = rng.randint(8 * 60, 17 * 60 + 30)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))


def ascii_fold(text: str) -> str:
    text = text.replace("ł", "l").replace("Ł", "L")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def random_token(rng: random.Random, length: int) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits, k=length))


def grouped(value: float, decimals: int = 2, sep: str = " ") -> str:
    """Polish/Swedish number text: space thousands, decimal comma ("1 234,56")."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", sep)


def mixed_case_email(email: str) -> str:
    local, domain = email.split("@")
    local = ".".join(part.capitalize() for part in local.split("."))
    return f"{local}@{domain.capitalize()}"


# --------------------------------------------------------------------------------------------
# Web shop: customers and order lines
# --------------------------------------------------------------------------------------------


@dataclass
class Customer:
    email: str
    region: str
    rep: str
    first_order: dt.date
    active_until: dt.date
    loyalty: float
    mixed_case: bool


@dataclass
class OrderLine:
    order_id: str
    day: dt.date
    customer: str  # as written in the export
    customer_key: str  # lower-case e-mail
    product: str
    category: str
    quantity: int
    unit_price: float
    discount: float
    net: float
    cost: float
    status: str
    channel: str
    region: str
    rep: str
    currency: str = "PLN"

    @property
    def valid(self) -> bool:
        return self.status not in ("Anulowane", "Zwrócone") and self.currency == "PLN"


@dataclass
class ShopData:
    lines: list[OrderLine]
    customers: list[Customer]


def make_person_email(rng: random.Random, swedish: bool, used: set[str]) -> str:
    first = rng.choice(SE_FIRST if swedish else PL_FIRST)
    last = rng.choice(SE_LAST if swedish else PL_LAST)
    if not swedish and first.endswith("a") and last.endswith("ki"):
        last = last[:-1] + "a"  # Kowalski -> Kowalska
    if swedish:
        domain = pick(rng, SE_DOMAINS, SE_DOMAIN_WEIGHTS)
    else:
        domain = pick(rng, PL_DOMAINS, PL_DOMAIN_WEIGHTS)
    first, last = ascii_fold(first).lower(), ascii_fold(last).lower()
    pattern = rng.randrange(4)
    if pattern == 0:
        local = f"{first}.{last}"
    elif pattern == 1:
        local = f"{first[0]}{last}"
    elif pattern == 2:
        local = f"{first}.{last}{rng.randint(1, 99)}"
    else:
        local = f"{first}_{last}{rng.randint(70, 99)}"
    email = f"{local}@{domain}"
    suffix = 2
    while email in used:
        email = f"{local}{suffix}@{domain}"
        suffix += 1
    used.add(email)
    return email


def new_customer(rng: random.Random, day: dt.date, used: set[str]) -> Customer:
    region = pick(rng, REGIONS, REGION_WEIGHTS)
    rep = REGION_REP[region]
    if rng.random() < 0.10:
        rep = next(r for r in SHOP_REPS if r != rep)
    lifetime = int(rng.expovariate(1 / 300))
    return Customer(
        email=make_person_email(rng, region == "Skåne", used),
        region=region,
        rep=rep,
        first_order=day,
        active_until=day + dt.timedelta(days=lifetime),
        loyalty=lognormal(rng, 1.0, 0.9),
        mixed_case=rng.random() < 0.05,
    )


def orders_in_month(rng: random.Random, month: dt.date) -> int:
    growth = SHOP_GROWTH ** month_index(month)
    return round(
        BASE_ORDERS_PER_MONTH * SHOP_SEASON[month.month] * growth * rng.uniform(0.93, 1.07)
    )


def day_weight(day: dt.date) -> float:
    weight = WEEKDAY_WEIGHT[day.weekday()]
    if BLACK_WEEK[0] <= day <= BLACK_WEEK[1]:
        weight *= 3.0
    if day.month == 12:
        weight *= 1.3 if day.day <= 20 else 0.4
    return weight


def order_days(rng: random.Random, month: dt.date, count: int) -> list[dt.date]:
    days = [d for d in days_of_month(month) if START <= d <= END]
    chosen = sorted(rng.choices(days, [day_weight(d) for d in days], k=count))
    if month == month_start(START):
        chosen[0] = START
    if month == month_start(END):
        chosen[-1] = END
    return chosen


def pick_returning(rng: random.Random, day: dt.date, customers: list[Customer]) -> Customer | None:
    pool = [c for c in customers if c.first_order < day <= c.active_until]
    if not pool:
        return None
    return pick(rng, pool, [c.loyalty for c in pool])


def product_weight(product: Product, day: dt.date) -> float:
    if product.launch and day < product.launch:
        return 0.0
    weight = product.weight * PRODUCT_SEASON[product.season][day.month - 1]
    if product.name == OLD_PRODUCT and day >= LAUNCH_DATE:
        weight *= CANNIBALISED_SHARE
    return weight


def pick_products(rng: random.Random, day: dt.date, count: int) -> list[Product]:
    chosen: list[Product] = []
    candidates = list(PRODUCTS)
    for _ in range(count):
        weights = [product_weight(p, day) for p in candidates]
        product = pick(rng, candidates, weights)
        chosen.append(product)
        candidates.remove(product)
    return chosen


def line_quantity(rng: random.Random, product: Product) -> int:
    if product.category == "Akcesoria":
        return pick(rng, (1, 2, 3), (0.62, 0.28, 0.10))
    return pick(rng, (1, 2, 3), (0.88, 0.10, 0.02))


def discount_rate(rng: random.Random, day: dt.date, channel: str) -> float:
    if BLACK_WEEK[0] <= day <= BLACK_WEEK[1] and rng.random() < 0.7:
        return 0.20
    if channel == "Newsletter" and rng.random() < 0.5:
        return 0.10
    if rng.random() < 0.06:
        return 0.05
    return 0.0


def order_status(rng: random.Random, day: dt.date) -> str:
    age = (END - day).days
    roll = rng.random()
    if roll < 0.022:
        return "Anulowane"
    if roll < 0.042 and age > 14:
        return "Zwrócone"
    if age <= 4:
        return pick(rng, ("W realizacji", "Wysłane"), (0.65, 0.35))
    if age <= 12:
        return pick(rng, ("Wysłane", "Zrealizowane"), (0.5, 0.5))
    return "Zrealizowane"


def order_rep(rng: random.Random, customer: Customer) -> str:
    roll = rng.random()
    if roll < 0.03:
        return ""
    if roll < 0.08:
        return next(r for r in SHOP_REPS if r != customer.rep)
    return customer.rep


def build_order(
    rng: random.Random, order_id: str, day: dt.date, customer: Customer, is_new: bool
) -> list[OrderLine]:
    weights = NEW_CUSTOMER_CHANNEL_WEIGHTS if is_new else REPEAT_CHANNEL_WEIGHTS
    channel = pick(rng, SHOP_CHANNELS, weights)
    status = order_status(rng, day)
    rep = order_rep(rng, customer)
    written = customer.email
    if customer.mixed_case and rng.random() < 0.5:
        written = mixed_case_email(customer.email)
    n_lines = pick(rng, (1, 2, 3, 4, 5), (0.62, 0.22, 0.10, 0.04, 0.02))
    lines = []
    for product in pick_products(rng, day, n_lines):
        quantity = line_quantity(rng, product)
        price = product.price_on(day)
        discount = round(quantity * price * discount_rate(rng, day, channel), 2)
        lines.append(
            OrderLine(
                order_id=order_id,
                day=day,
                customer=written,
                customer_key=customer.email,
                product=product.name,
                category=product.category,
                quantity=quantity,
                unit_price=price,
                discount=discount,
                net=round(quantity * price - discount, 2),
                cost=round(quantity * product.cost_on(day), 2),
                status=status,
                channel=channel,
                region=customer.region,
                rep=rep,
            )
        )
    if len(lines) > 1 and status == "Zrealizowane" and rng.random() < 0.03:
        rng.choice(lines).status = "Zwrócone"  # one line of the order sent back
    return lines


def simulate_shop(rng: random.Random) -> ShopData:
    customers: list[Customer] = []
    used: set[str] = set()
    lines: list[OrderLine] = []
    counters: Counter[int] = Counter()
    for month in months_between(START, END):
        p_repeat = 0.24 + 0.20 * month_index(month) / 15
        for day in order_days(rng, month, orders_in_month(rng, month)):
            customer = pick_returning(rng, day, customers) if rng.random() < p_repeat else None
            is_new = customer is None
            if customer is None:
                customer = new_customer(rng, day, used)
                customers.append(customer)
            counters[day.year] += 1
            order_id = f"ZAM/{day.year}/{counters[day.year]:05d}"
            lines.extend(build_order(rng, order_id, day, customer, is_new))
    convert_to_sek(rng, lines)
    return ShopData(lines=lines, customers=customers)


def convert_to_sek(rng: random.Random, lines: list[OrderLine]) -> None:
    """The Swedish checkout started charging SEK in autumn 2025: a few orders are in SEK."""
    candidates = sorted(
        {ln.order_id for ln in lines if ln.region == "Skåne" and ln.day >= SEK_FROM and ln.valid}
    )
    chosen = set(rng.sample(candidates, min(9, len(candidates))))
    for line in lines:
        if line.order_id in chosen:
            line.currency = "SEK"
            line.unit_price = float(round(line.unit_price * SEK_PER_PLN))
            line.discount = round(line.discount * SEK_PER_PLN, 2)
            line.net = round(line.quantity * line.unit_price - line.discount, 2)
            line.cost = round(line.cost * SEK_PER_PLN, 2)


# --------------------------------------------------------------------------------------------
# B2B: companies, leads, deals, stage history, activities
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    name: str
    region: str


@dataclass
class Lead:
    created: dt.datetime
    source: str
    campaign: str
    company: Company
    rep: str
    qualified: bool | None
    first_contact: dt.datetime | None
    touches: list[dt.datetime]
    method: str
    status: str = ""
    converted_at: dt.datetime | None = None
    lead_id: str = ""


@dataclass
class Deal:
    created: dt.datetime
    company: Company
    amount: float | None
    owner: str
    source: str
    lead: Lead | None
    provided: bool
    path: list[tuple[str, dt.datetime]]
    stalled: bool
    kind: str
    lost_reason: str = ""
    winnable: str = ""
    quote_date: dt.date | None = None
    deal_id: str = ""

    @property
    def outcome(self) -> str:
        last = self.path[-1][0]
        return {WON: "won", LOST: "lost"}.get(last, "open")

    @property
    def stage(self) -> str:
        return self.path[-1][0]

    @property
    def close_date(self) -> dt.date:
        """Actual close date, or the CRM's expected close date for an open deal."""
        if self.outcome == "open":
            return (self.created + dt.timedelta(days=45)).date()
        return self.path[-1][1].date()


@dataclass
class Activity:
    when: dt.datetime
    type: str
    subject: str
    owner: str
    outcome: str
    deal_id: str = ""
    lead_id: str = ""
    activity_id: str = ""


def make_companies(rng: random.Random, count: int) -> list[Company]:
    names: set[str] = set()
    companies: list[Company] = []
    while len(companies) < count:
        if rng.random() < 0.22:
            stem, kind = rng.choice(SE_COMPANY_STEMS), rng.choice(SE_COMPANY_KINDS)
            name, region = f"{stem} {kind} AB", "Skåne"
        else:
            stem, kind = rng.choice(PL_COMPANY_STEMS), rng.choice(PL_COMPANY_KINDS)
            name = f"{stem} {kind} {rng.choice(PL_COMPANY_FORMS)}"
            region = pick(rng, REGIONS[:3], REGION_WEIGHTS[:3])
        if name not in names:
            names.add(name)
            companies.append(Company(name, region))
    return companies


def campaign_for(channel: str, month: dt.date) -> str:
    """The campaign name shared by leads and marketing rows of a channel in a month."""
    if channel == "LinkedIn":
        return f"LinkedIn B2B Q{(month.month - 1) // 3 + 1} {month.year}"
    if channel == "Google Ads":
        return f"Google B2B – firmy {month.year}"
    if channel == "Newsletter":
        return f"Nyhetsbrev {month.year}"
    return ""


def shop_campaign(channel: str, month: dt.date) -> str:
    season = {12: "Jul", 1: "Vinter", 2: "Vinter", 3: "Vår", 4: "Vår", 5: "Vår"}
    season |= {6: "Sommar", 7: "Sommar", 8: "Sommar", 9: "Höst", 10: "Höst", 11: "Black Week"}
    label = f"{season[month.month]} {month.year}"
    if channel == "Google Ads":
        return f"Shopping – {label}"
    if channel == "Meta Ads":
        return f"Meta – {label}"
    return "Allegro Ads – oferty sponsorowane"


def lead_times(rng: random.Random, month: dt.date, count: int) -> list[dt.datetime]:
    days = [d for d in days_of_month(month) if START <= d <= END]
    weights = [0.25 if d.weekday() >= 5 else 1.0 for d in days]
    moments = []
    for day in rng.choices(days, weights, k=count):
        minute = rng.randint(7 * 60, 21 * 60)
        moments.append(dt.datetime.combine(day, dt.time(minute // 60, minute % 60)))
    return sorted(moments)


def first_contact_time(rng: random.Random, created: dt.datetime, source: str) -> dt.datetime:
    if source == TRADE_FAIR:
        return created + dt.timedelta(minutes=rng.randint(2, 15))  # met at the stand
    start = created
    if created.weekday() >= 5 or created.hour >= 17:
        start = dt.datetime.combine(next_workday(created.date() + dt.timedelta(days=1)), dt.time(8))
    delay = dt.timedelta(minutes=round(60 * clip(lognormal(rng, 4.0, 1.0), 0.2, 72)))
    return start.replace(second=0, microsecond=0) + delay


def touch_times(
    rng: random.Random, first: dt.datetime, count: int, limit: dt.datetime
) -> list[dt.datetime]:
    times = [first]
    while len(times) < count:
        nxt = work_time(rng, times[-1].date() + dt.timedelta(days=rng.randint(1, 6)))
        if nxt > limit:
            break
        times.append(nxt)
    return times


def contact_method(rng: random.Random, source: str) -> str:
    if source == TRADE_FAIR:
        return "Möte"
    if source == "LinkedIn":
        return pick(rng, ("LinkedIn", "E-post", "Telefon"), (0.6, 0.2, 0.2))
    return pick(rng, ("Telefon", "E-post"), (0.55, 0.45))


def lead_status(rng: random.Random, lead: Lead) -> str:
    age = (END - lead.created.date()).days
    if lead.converted_at:
        return "Konverterad"
    if not lead.touches:
        return "Ny"
    if lead.qualified:
        return "Förlorad" if age > 75 else "Kvalificerad"
    if age < 14:
        return "Kontaktad"
    return pick(rng, ("Ej intresserad", "Förlorad"), (0.6, 0.4))


def simulate_lead(
    rng: random.Random, created: dt.datetime, source: str, campaign: str, company: Company
) -> Lead:
    rep = pick(rng, CRM_OWNERS, CRM_OWNER_WEIGHTS)
    lead = Lead(created, source, campaign, company, rep, None, None, [], "")
    contact = first_contact_time(rng, created, source)
    p_contacted = 0.5 if (END - created.date()).days < 4 else 0.93
    if contact > END_DT or rng.random() > p_contacted:
        lead.qualified = None if rng.random() < 0.7 else False
        lead.rep = rep if rng.random() < 0.4 else ""
        lead.status = "Ny"
        return lead
    p_convert = LEAD_CONVERSION[source]
    p_qualify = min(0.75, p_convert * 2.4)
    qualified = rng.random() < p_qualify
    converts = qualified and rng.random() < p_convert / p_qualify
    if converts:
        wanted = 1 + min(5, int(rng.expovariate(1 / 1.2)))
    else:
        wanted = pick(rng, (1, 2, 3), (0.70, 0.23, 0.07))
    lead.first_contact = contact
    lead.touches = touch_times(rng, contact, wanted, END_DT)
    lead.method = contact_method(rng, source)
    lead.qualified = qualified
    if converts:
        days = clip(lognormal(rng, 5.0, 0.6), 1, 40)
        converted = work_time(rng, (lead.touches[-1] + dt.timedelta(days=days)).date())
        if converted <= END_DT:
            lead.converted_at = converted
    lead.status = lead_status(rng, lead)
    return lead


def leads_in_month(rng: random.Random, month: dt.date) -> int:
    growth = B2B_GROWTH ** month_index(month)
    return round(BASE_LEADS_PER_MONTH * B2B_SEASON[month.month] * growth * rng.uniform(0.9, 1.1))


def fair_leads(rng: random.Random, companies: list[Company]) -> list[Lead]:
    leads = []
    for fair, first_day in FAIRS.items():
        swedish = "Göteborg" in fair
        pool = [c for c in companies if (c.region == "Skåne") == swedish]
        for _ in range(rng.randint(34, 46)):
            day = first_day + dt.timedelta(days=rng.randint(0, 1))
            minute = rng.randint(10 * 60, 17 * 60)
            created = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
            leads.append(simulate_lead(rng, created, TRADE_FAIR, fair, rng.choice(pool)))
    return leads


def simulate_leads(rng: random.Random, companies: list[Company]) -> list[Lead]:
    leads = fair_leads(rng, companies)
    for month in months_between(START, END):
        for created in lead_times(rng, month, leads_in_month(rng, month)):
            source = pick(rng, LEAD_SOURCES, LEAD_SOURCE_WEIGHTS)
            campaign = campaign_for(source, month)
            leads.append(simulate_lead(rng, created, source, campaign, rng.choice(companies)))
    leads.sort(key=lambda lead: lead.created)
    for number, lead in enumerate(leads, start=10001):
        lead.lead_id = f"LEAD-{number}"
    return leads


def deal_amount(rng: random.Random, company: Company) -> float:
    amount = lognormal(rng, 13000, 0.75) * (1.2 if company.region == "Skåne" else 1.0)
    return float(round(clip(amount, 1500, 150000), -2))


def deal_path(
    rng: random.Random, created: dt.datetime, source: str, amount: float
) -> tuple[list[tuple[str, dt.datetime]], bool]:
    """The stages a deal enters (until the export day) and whether it stalled."""
    skip_demo = source == "Referral" and rng.random() < 0.3
    stages = [s for s in FUNNEL if not (skip_demo and s == "Demo Scheduled")]
    bonus = (0.06 if source == "Referral" else 0.0) - (0.06 if amount > 40000 else 0.0)
    path = [(stages[0], created)]
    moment = created
    for position, stage in enumerate(stages):
        funnel_step = FUNNEL.index(stage)
        days = clip(lognormal(rng, DWELL_DAYS[funnel_step], 0.55), 1, 60)
        moment = work_time(rng, (moment + dt.timedelta(days=days)).date())
        if rng.random() < STALL:
            return _until_export(path), True
        if rng.random() > ADVANCE[funnel_step] + bonus:
            path.append((LOST, moment))
            return _until_export(path), False
        following = stages[position + 1] if position + 1 < len(stages) else WON
        path.append((following, moment))
    return _until_export(path), False


def _until_export(path: list[tuple[str, dt.datetime]]) -> list[tuple[str, dt.datetime]]:
    return [(stage, moment) for stage, moment in path if moment <= END_DT]


def finish_deal(rng: random.Random, deal: Deal) -> None:
    if deal.outcome == "lost":
        reason, _, p_winnable = pick(rng, LOST_REASONS, [r[1] for r in LOST_REASONS])
        deal.lost_reason = reason
        if rng.random() < 0.9:
            deal.winnable = "Yes" if rng.random() < p_winnable else "No"
    for stage, moment in deal.path:
        if stage == "Proposal Sent" and rng.random() > 0.04:
            deal.quote_date = moment.date()
    if deal.outcome == "open" and deal.stage == "Qualification" and rng.random() < 0.3:
        deal.amount = None  # not estimated yet


def make_deal(
    rng: random.Random,
    created: dt.datetime,
    company: Company,
    owner: str,
    source: str,
    lead: Lead | None,
) -> Deal:
    amount = deal_amount(rng, company)
    path, stalled = deal_path(rng, created, source, amount)
    # Marketing-generated leads are handed to the rep; LinkedIn and referral leads often are not.
    provided = lead is not None and (source in PROVIDED_SOURCES or rng.random() < 0.4)
    deal = Deal(
        created, company, amount, owner, source, lead, provided, path, stalled,
        rng.choice(DEAL_KINDS),
    )  # fmt: skip
    finish_deal(rng, deal)
    return deal


def direct_deal_times(rng: random.Random, count: int) -> list[dt.datetime]:
    days = [START + dt.timedelta(days=n) for n in range((END - START).days + 1)]
    weights = [B2B_SEASON[d.month] * (0.0 if d.weekday() >= 5 else 1.0) for d in days]
    return sorted(work_time(rng, d) for d in rng.choices(days, weights, k=count))


def simulate_deals(rng: random.Random, leads: list[Lead], companies: list[Company]) -> list[Deal]:
    deals = []
    for lead in leads:
        if lead.converted_at:
            owner = lead.rep or pick(rng, CRM_OWNERS, CRM_OWNER_WEIGHTS)
            lead.rep = owner
            deals.append(make_deal(rng, lead.converted_at, lead.company, owner, lead.source, lead))
    for created in direct_deal_times(rng, round(len(deals) * 0.5)):
        source = pick(rng, ("Referral", "LinkedIn"), (0.65, 0.35))
        owner = pick(rng, CRM_OWNERS, CRM_OWNER_WEIGHTS)
        deals.append(make_deal(rng, created, rng.choice(companies), owner, source, None))
    deals.sort(key=lambda deal: deal.created)
    for number, deal in enumerate(deals, start=1001):
        deal.deal_id = f"D-{number}"
    return deals


ACTIVITY_SUBJECTS = {
    "Call": ("Discovery call", "Check-in call", "Pricing call", "Call about sizes"),
    "Email": ("Follow-up e-mail", "Catalogue sent", "Sizing chart sent", "Delivery question"),
    "Meeting": ("Negotiation meeting", "On-site visit", "Meeting with purchasing"),
    "Demo": ("Product demo – showroom", "Online demo", "Demo of tents and backpacks"),
    "Onboarding": ("Onboarding – delivery & sizing", "Kick-off after order"),
    "Follow-up": ("Follow-up after demo", "Follow-up on proposal", "Follow-up call"),
}
# Subjects logged without a type (the CRM's "Type" left empty): in Polish, Swedish or English.
UNTYPED_SUBJECTS = {
    "Call": ("Rozmowa telefoniczna z klientem", "Telefon – uppföljning", "Phone call re: offer"),
    "Email": ("Wiadomość z ofertą", "E-post med prislista", "Mail: updated quote"),
    "Meeting": ("Spotkanie w biurze klienta", "Möte om ramavtal", "Meeting at their office"),
    "Follow-up": ("Lunch z klientem", "Visit to the warehouse"),
}
OUTCOMES = {
    "Call": (("Completed", "No show", "Cancelled"), (0.84, 0.11, 0.05)),
    "Email": (("Opened", "Replied", "Completed", "Bounced"), (0.42, 0.22, 0.32, 0.04)),
    "Meeting": (("Completed", "No show", "Cancelled"), (0.82, 0.09, 0.09)),
    "Demo": (("Completed", "No show", "Cancelled"), (0.83, 0.09, 0.08)),
    "Onboarding": (("Completed", "Cancelled"), (0.95, 0.05)),
    "Follow-up": (("Completed", "No show", "Cancelled"), (0.80, 0.10, 0.10)),
}


def make_activity(
    rng: random.Random,
    when: dt.datetime,
    kind: str,
    owner: str,
    subject: str = "",
    deal_id: str = "",
    lead_id: str = "",
) -> Activity:
    outcomes, weights = OUTCOMES[kind]
    outcome = pick(rng, outcomes, weights)
    if when.date() >= END - dt.timedelta(days=1) and kind != "Email" and rng.random() < 0.6:
        outcome = "Scheduled"
    subject = subject or rng.choice(ACTIVITY_SUBJECTS[kind])
    shown_type = kind
    if kind in UNTYPED_SUBJECTS and rng.random() < 0.05:
        shown_type, subject = "", rng.choice(UNTYPED_SUBJECTS[kind])
    if rng.random() < 0.01:
        owner = owner.lower()  # typed by hand in a bulk import
    return Activity(when, shown_type, subject, owner, outcome, deal_id, lead_id)


def lead_activities(rng: random.Random, lead: Lead) -> list[Activity]:
    activities = []
    for number, when in enumerate(lead.touches):
        if lead.method == "Möte" and number == 0:
            kind, subject = "Meeting", "Meeting at the trade fair stand"
        elif lead.method == "LinkedIn":
            kind, subject = "Email", "LinkedIn InMail"
        elif lead.method == "E-post":
            kind, subject = "Email", "Intro e-mail"
        else:
            kind, subject = "Call", "Intro call"
        activities.append(make_activity(rng, when, kind, lead.rep, subject, lead_id=lead.lead_id))
    return activities


def between(rng: random.Random, start: dt.datetime, stop: dt.datetime) -> dt.datetime:
    span = max(1, (stop.date() - start.date()).days)
    return work_time(rng, start.date() + dt.timedelta(days=rng.randint(0, span)))


def stage_activity(rng: random.Random, stage: str, entered: dt.datetime) -> tuple[str, dt.datetime]:
    if stage == "Demo Scheduled":
        return "Demo", work_time(rng, entered.date() + dt.timedelta(days=rng.randint(2, 6)))
    if stage == "Proposal Sent":
        return "Email", entered
    if stage == "Negotiation":
        return "Meeting", work_time(rng, entered.date() + dt.timedelta(days=rng.randint(1, 4)))
    if stage == WON:
        return "Onboarding", work_time(rng, entered.date() + dt.timedelta(days=rng.randint(3, 12)))
    return "Email", entered


def deal_activities(rng: random.Random, deal: Deal) -> list[Activity]:
    planned: list[tuple[str, dt.datetime, str]] = []
    first = work_time(rng, deal.created.date() + dt.timedelta(days=rng.randint(0, 2)))
    planned.append(("Call", first, "Discovery call"))
    for (_, previous), (stage, entered) in zip(deal.path, deal.path[1:], strict=False):
        for _ in range(pick(rng, (0, 1, 2), (0.50, 0.37, 0.13))):
            kind = pick(rng, ("Follow-up", "Email", "Call"), (0.4, 0.35, 0.25))
            planned.append((kind, between(rng, previous, entered), ""))
        if stage == LOST and rng.random() > 0.4:
            continue
        kind, when = stage_activity(rng, stage, entered)
        subject = "Proposal sent" if stage == "Proposal Sent" else ""
        planned.append((kind, when, "Closing the file" if stage == LOST else subject))
    if deal.outcome == "open" and not deal.stalled:
        planned.append(("Follow-up", between(rng, deal.path[-1][1], END_DT), ""))
        if rng.random() < 0.35:
            when = work_time(rng, END - dt.timedelta(days=rng.randint(0, 1)))
            planned.append((rng.choice(("Meeting", "Call", "Demo")), when, ""))
    activities = []
    for kind, when, subject in planned:
        if START <= when.date() <= END:
            owner = deal.owner  # a colleague covers now and then
            if rng.random() < 0.05:
                owner = pick(rng, CRM_OWNERS, CRM_OWNER_WEIGHTS)
            activities.append(make_activity(rng, when, kind, owner, subject, deal_id=deal.deal_id))
    return activities


def simulate_activities(rng: random.Random, leads: list[Lead], deals: list[Deal]) -> list[Activity]:
    activities = [a for lead in leads for a in lead_activities(rng, lead)]
    activities += [a for deal in deals for a in deal_activities(rng, deal)]
    activities.sort(key=lambda a: (a.when, a.deal_id, a.lead_id))
    for number, activity in enumerate(activities, start=1):
        activity.activity_id = f"ACT-{number:06d}"
    return activities


# --------------------------------------------------------------------------------------------
# Subscriptions (the gear-rental club, billed by Stripe)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    name: str
    amount: float
    interval: str
    interval_count: int
    churn: float  # probability to cancel in a billing period
    weight: float

    @property
    def months(self) -> int:
        return self.interval_count * (12 if self.interval == "year" else 1)


PLANS = (
    Plan("Gear Club Basic", 49.90, "month", 1, 0.075, 0.45),
    Plan("Gear Club Plus", 99.90, "month", 1, 0.05, 0.25),
    Plan("Gear Club Season", 249.00, "month", 3, 0.25, 0.18),
    Plan("Gear Club Annual", 999.00, "year", 1, 0.20, 0.12),
)
PLUS = PLANS[1]


@dataclass
class Subscription:
    customer_id: str
    email: str
    plan: Plan
    start: dt.datetime
    status: str = "active"
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None
    canceled_at: dt.datetime | None = None
    cancel_at_period_end: bool = False
    ended_at: dt.datetime | None = None
    trial_end: dt.datetime | None = None
    upgraded: bool = False
    sub_id: str = ""


def run_subscription(rng: random.Random, sub: Subscription) -> None:
    """Bill period after period until the customer cancels or the export day is reached."""
    period_start = sub.start
    while True:
        period_end = add_months_dt(period_start, sub.plan.months)
        sub.period_start, sub.period_end = period_start, period_end
        if rng.random() < sub.plan.churn:
            span = (period_end - period_start).total_seconds()
            canceled = period_start + dt.timedelta(seconds=span * rng.uniform(0.2, 0.95))
            if canceled > END_DT:
                return
            sub.upgraded = sub.plan.name == "Gear Club Basic" and rng.random() < 0.2
            immediate = not sub.upgraded and rng.random() < 0.25
            ended = canceled if immediate else period_end
            sub.canceled_at = canceled
            if ended > END_DT:
                sub.cancel_at_period_end = True
                return
            sub.status, sub.ended_at = "canceled", ended
            return
        if period_end > END_DT:
            return
        period_start = period_end


def subscription_starts(rng: random.Random) -> list[dt.datetime]:
    starts = []
    for month in months_between(START, END):
        season = 1.4 if month.month in (4, 5, 6, 7) else 1.0
        count = round(
            BASE_SUBS_PER_MONTH * 1.05 ** month_index(month) * season * rng.uniform(0.85, 1.15)
        )
        days = days_of_month(month)
        for day in rng.choices(days, k=count):
            starts.append(dt.datetime.combine(day, dt.time(rng.randint(6, 22), rng.randint(0, 59))))
    return sorted(starts)


def club_member(
    rng: random.Random, start: dt.date, shop: ShopData, members: set[str], emails: set[str]
) -> str:
    """A shop customer joining the club (40 %), else a new person."""
    earlier = [c.email for c in shop.customers if c.first_order < start and c.email not in members]
    if earlier and rng.random() < 0.4:
        email = rng.choice(earlier)
    else:
        email = make_person_email(rng, rng.random() < 0.2, emails)
    members.add(email)
    return email


def follow_up_subscription(rng: random.Random, sub: Subscription) -> Subscription | None:
    """An upgrade (starts when the old one ends) or a come-back a few months later."""
    if sub.ended_at is None:
        return None
    if sub.upgraded:
        start, plan = sub.ended_at, PLUS
    elif rng.random() < 0.12:
        start = sub.ended_at + dt.timedelta(days=rng.randint(20, 150), minutes=rng.randint(0, 600))
        plan = pick(rng, PLANS, [p.weight for p in PLANS])
    else:
        return None
    if start > END_DT:
        return None
    return Subscription(sub.customer_id, sub.email, plan, start)


def simulate_subscriptions(rng: random.Random, shop: ShopData) -> list[Subscription]:
    emails = {c.email for c in shop.customers}
    members: set[str] = set()
    queue = []
    for start in subscription_starts(rng):
        email = club_member(rng, start.date(), shop, members, emails)
        plan = pick(rng, PLANS, [p.weight for p in PLANS])
        queue.append(Subscription(f"cus_{random_token(rng, 14)}", email, plan, start))
    subs = []
    while queue:
        sub = queue.pop(0)
        run_subscription(rng, sub)
        subs.append(sub)
        follow = follow_up_subscription(rng, sub)
        if follow:
            queue.append(follow)
    mark_trials_and_arrears(rng, subs)
    subs.sort(key=lambda s: s.start, reverse=True)  # Stripe lists the newest first
    for sub in subs:
        sub.sub_id = f"sub_1{random_token(rng, 23)}"
    return subs


def mark_trials_and_arrears(rng: random.Random, subs: list[Subscription]) -> None:
    for sub in subs:
        if sub.status == "active" and (END_DT - sub.start).days < 14 and rng.random() < 0.35:
            sub.status, sub.trial_end = "trialing", sub.start + dt.timedelta(days=14)
    active = [s for s in subs if s.status == "active" and not s.cancel_at_period_end]
    for sub in rng.sample(active, min(4, len(active))):
        sub.status = "past_due"


# --------------------------------------------------------------------------------------------
# Marketing (monthly rows per channel and campaign)
# --------------------------------------------------------------------------------------------

MARKETING_HEADERS = (
    "Månad", "Kanal", "Kampanj", "Kostnad (PLN)", "Visningar", "Klick", "Sessioner", "Besökare",
    "Leads", "Konverteringar", "Intäkt (PLN)", "Engagemang", "Följare", "Omnämnanden",
    "E-post skickade", "E-post öppnade", "View content", "Add to cart", "Initiate checkout",
    "Purchases",
)  # fmt: skip
MONEY_COLUMNS = ("Kostnad (PLN)", "Intäkt (PLN)")
NOT_SUMMED = ("Månad", "Kanal", "Kampanj", "Följare")

Row = dict[str, float | int | str | None]


@dataclass
class Facts:
    """Monthly numbers from the other files, so marketing agrees with them."""

    shop_orders: Counter[tuple[str, dt.date]] = field(default_factory=Counter)
    shop_revenue: defaultdict[tuple[str, dt.date], float] = field(
        default_factory=lambda: defaultdict(float)
    )
    leads: Counter[tuple[str, dt.date]] = field(default_factory=Counter)
    won: defaultdict[tuple[str, dt.date], float] = field(default_factory=lambda: defaultdict(float))
    fair_won: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))


def collect_facts(shop: ShopData, leads: list[Lead], deals: list[Deal]) -> Facts:
    facts = Facts()
    orders_seen: set[str] = set()
    for line in shop.lines:
        if not line.valid:
            continue
        key = (line.channel, month_start(line.day))
        facts.shop_revenue[key] += line.net
        if line.order_id not in orders_seen:
            orders_seen.add(line.order_id)
            facts.shop_orders[key] += 1
    for lead in leads:
        facts.leads[(lead.source, month_start(lead.created.date()))] += 1
    for deal in deals:
        if deal.outcome == "won" and deal.amount:
            facts.won[(deal.source, month_start(deal.close_date))] += deal.amount
            if deal.lead and deal.source == TRADE_FAIR:
                facts.fair_won[deal.lead.campaign] += deal.amount
    return facts


def web_funnel(rng: random.Random, purchases: int, sessions: int) -> Row:
    checkout = round(purchases * rng.uniform(1.6, 2.0))
    cart = round(checkout * rng.uniform(1.9, 2.4))
    view = max(cart + 1, round(sessions * rng.uniform(0.55, 0.65)))
    return {
        "View content": view,
        "Add to cart": cart,
        "Initiate checkout": checkout,
        "Purchases": purchases,
    }


def paid_traffic(
    rng: random.Random, clicks: int, cpc: float, ctr: float, sessions: bool = True
) -> Row:
    row: Row = {
        "Kostnad (PLN)": round(clicks * cpc, 2),
        "Visningar": round(clicks / ctr),
        "Klick": clicks,
    }
    if sessions:
        visits = round(clicks * rng.uniform(0.90, 0.96))
        row["Sessioner"] = visits
        row["Besökare"] = round(visits * rng.uniform(0.78, 0.86))
    return row


def web_shop_row(rng: random.Random, facts: Facts, channel: str, month: dt.date) -> Row:
    purchases = facts.shop_orders[(channel, month)]
    rate, cpc, ctr = (0.019, 1.25, 0.036) if channel == "Google Ads" else (0.013, 0.85, 0.013)
    clicks = round(purchases / (rate * rng.uniform(0.85, 1.15)) / 0.93)
    peak = 1.25 if month.month in (11, 12) else 1.0
    row = paid_traffic(
        rng, clicks, cpc * peak * rng.uniform(0.9, 1.1), ctr * rng.uniform(0.85, 1.15)
    )
    row |= {
        "Konverteringar": purchases,
        "Intäkt (PLN)": round(facts.shop_revenue[(channel, month)], 2),
    }
    row |= web_funnel(rng, purchases, int(row["Sessioner"] or 0))
    if channel == "Meta Ads":
        row["Engagemang"] = round(int(row["Visningar"] or 0) * rng.uniform(0.012, 0.02))
        row["Följare"] = round(8400 + 420 * month_index(month) + rng.randint(-60, 60))
        row["Omnämnanden"] = rng.randint(15, 35) + 2 * month_index(month)
    return row


def allegro_row(rng: random.Random, facts: Facts, month: dt.date) -> Row:
    purchases = facts.shop_orders[("Allegro", month)]
    clicks = round(purchases / rng.uniform(0.035, 0.05))
    row = paid_traffic(rng, clicks, rng.uniform(0.45, 0.65), rng.uniform(0.02, 0.03), False)
    return row | {
        "Konverteringar": purchases,
        "Intäkt (PLN)": round(facts.shop_revenue[("Allegro", month)], 2),
    }


def newsletter_row(rng: random.Random, facts: Facts, month: dt.date) -> Row:
    subscribers = 9000 + 450 * month_index(month)
    sent = subscribers * (5 if month.month in (11, 12) else 4)
    opened = round(sent * rng.uniform(0.27, 0.34))
    clicks = round(opened * rng.uniform(0.09, 0.13))
    sessions = round(clicks * 0.92)
    return {
        "Kostnad (PLN)": 690.0 if month.year == 2024 else 790.0,
        "Klick": clicks,
        "Sessioner": sessions,
        "Besökare": round(sessions * 0.9),
        "Leads": facts.leads[("Newsletter", month)],
        "Konverteringar": facts.shop_orders[("Newsletter", month)],
        "Intäkt (PLN)": round(facts.shop_revenue[("Newsletter", month)], 2),
        "E-post skickade": sent,
        "E-post öppnade": opened,
    }


def b2b_search_row(rng: random.Random, facts: Facts, month: dt.date) -> Row:
    leads = facts.leads[("Google Ads", month)]
    clicks = round(leads / rng.uniform(0.035, 0.05))
    row = paid_traffic(rng, clicks, rng.uniform(2.8, 3.8), rng.uniform(0.025, 0.04))
    return row | {
        "Leads": leads,
        "Konverteringar": leads,
        "Intäkt (PLN)": facts.won[("Google Ads", month)],
    }


def linkedin_row(rng: random.Random, facts: Facts, month: dt.date) -> Row:
    leads = facts.leads[("LinkedIn", month)]
    spend = rng.uniform(5200, 7800) * B2B_GROWTH ** month_index(month)
    cpc = rng.uniform(8.0, 11.0)
    row = paid_traffic(rng, round(spend / cpc), cpc, rng.uniform(0.005, 0.008))
    return row | {
        "Leads": leads,
        "Konverteringar": leads,
        "Intäkt (PLN)": facts.won[("LinkedIn", month)],
        "Engagemang": round(int(row["Visningar"] or 0) * rng.uniform(0.01, 0.02)),
        "Följare": 1150 + 95 * month_index(month) + rng.randint(-15, 15),
        "Omnämnanden": rng.randint(3, 15),
    }


def fair_row(rng: random.Random, facts: Facts, fair: str, month: dt.date) -> Row:
    leads = facts.leads[(TRADE_FAIR, month)]
    return {
        "Kostnad (PLN)": float(round(rng.uniform(18000, 26000), -2)),
        "Leads": leads,
        "Konverteringar": leads,
        "Intäkt (PLN)": facts.fair_won[fair],
    }


def marketing_rows(rng: random.Random, facts: Facts) -> list[Row]:
    rows: list[Row] = []
    for month in months_between(START, END):
        parts = [
            (
                "Google Ads",
                shop_campaign("Google Ads", month),
                web_shop_row(rng, facts, "Google Ads", month),
            ),
            ("Google Ads", campaign_for("Google Ads", month), b2b_search_row(rng, facts, month)),
            (
                "Meta Ads",
                shop_campaign("Meta Ads", month),
                web_shop_row(rng, facts, "Meta Ads", month),
            ),
            ("Allegro", shop_campaign("Allegro", month), allegro_row(rng, facts, month)),
            ("Newsletter", campaign_for("Newsletter", month), newsletter_row(rng, facts, month)),
            ("LinkedIn", campaign_for("LinkedIn", month), linkedin_row(rng, facts, month)),
        ]
        for fair, day in FAIRS.items():
            if month_start(day) == month:
                parts.append((TRADE_FAIR, fair, fair_row(rng, facts, fair, month)))
        for channel, campaign, numbers in parts:
            labels: Row = {"Månad": month.isoformat(), "Kanal": channel, "Kampanj": campaign}
            rows.append(labels | numbers)
    return rows


# --------------------------------------------------------------------------------------------
# Targets and competitor prices
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    period: str
    rep: str
    team: str
    metric: str
    target: float


def monthly_revenue(shop: ShopData, rep: str | None = None) -> dict[dt.date, float]:
    revenue: dict[dt.date, float] = {}
    for line in shop.lines:
        if line.valid and (rep is None or line.rep == rep):
            month = month_start(line.day)
            revenue[month] = revenue.get(month, 0.0) + line.net
    return revenue


def planned(
    actual: Mapping[dt.date, float], month: dt.date, rng: random.Random, step: float
) -> float:
    """Last year's result plus 22 %, else the plan made at the start (close to what happened)."""
    last_year = add_months(month, -12)
    if last_year in actual:
        base = actual[last_year] * 1.22
    else:
        base = actual.get(month, 0.0) * rng.uniform(0.95, 1.1)
    return float(round(base / step) * step)


def revenue_targets(rng: random.Random, shop: ShopData) -> list[Target]:
    company = monthly_revenue(shop)
    months = months_between(START, TARGETS_UNTIL)
    plan = {m: planned(company, m, rng, 5000) for m in months}
    targets = [
        Target(month_key(m), "", "", "revenue", plan[m])
        for m in months
        if m.year == 2024 or m.month <= 9
    ]
    q4 = sum(v for m, v in plan.items() if m.year == 2025 and m.month >= 10)
    targets.append(Target("2025-Q4", "", "", "revenue", q4))
    for rep in SHOP_REPS:
        mine = monthly_revenue(shop, rep)
        for month in months:
            value = planned(mine, month, rng, 1000)
            targets.append(Target(month_key(month), rep, SHOP_TEAM, "revenue", value))
    return targets


def activity_targets(rng: random.Random, shop: ShopData, leads: list[Lead]) -> list[Target]:
    targets = []
    for rep in B2B_REPS:
        for month in months_between(START, TARGETS_UNTIL):
            targets.append(
                Target(month_key(month), rep, B2B_TEAM, "deals", 3 if month.year == 2024 else 4)
            )
    per_quarter = Counter(quarter_key(lead.created.date()) for lead in leads)
    for quarter in ("2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"):
        year, q = quarter.split("-")
        base = per_quarter[f"{int(year) - 1}-{q}"] * 1.2 or per_quarter[quarter] * rng.uniform(
            0.95, 1.1
        )
        targets.append(Target(quarter, "", "", "leads", float(round(base, -1))))
    firsts = {
        m: float(n) for m, n in Counter(month_start(c.first_order) for c in shop.customers).items()
    }
    for month in months_between(START, TARGETS_UNTIL):
        targets.append(
            Target(month_key(month), "", "", "new_customers", planned(firsts, month, rng, 10))
        )
    return targets


PriceRow = tuple[str, float, float | None, str, dt.date | None]
COMPETITORS = ("Decathlon", "Skalnik", "8a.pl", "Naturkompaniet")
PRICE_CHECKS = tuple(
    dt.date(y, m, 15)
    for y, m in ((2024, 7), (2024, 10), (2025, 1), (2025, 4), (2025, 7), (2025, 10))
)


def competitor_rows(rng: random.Random) -> list[PriceRow]:
    rows: list[PriceRow] = []
    for product in PRODUCTS:
        rivals = rng.sample(COMPETITORS, rng.choice((2, 3)))
        level = {rival: rng.uniform(0.86, 1.12) for rival in rivals}
        for day in PRICE_CHECKS:
            if product.launch and day < product.launch:
                continue
            ours = product.price_on(day)
            for rival in rivals:
                theirs = round(ours * level[rival] * rng.uniform(0.96, 1.04)) - 0.01
                rows.append((product.name, ours, theirs, rival, day))
    for index in rng.sample(range(len(rows)), 3):
        rows[index] = (*rows[index][:4], None)  # checked, date not noted
    for index in rng.sample(range(len(rows)), 2):
        item, our_price, _, competitor, checked = rows[index]
        rows[index] = (item, our_price, None, competitor, checked)  # out of stock there
    return rows


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------

ORDER_HEADERS = (
    "Nr zamówienia", "Data zamówienia", "Klient", "Produkt", "Kategoria", "Ilość",
    "Cena jednostkowa", "Rabat", "Wartość netto", "Koszt", "Status", "Kanał", "Województwo",
    "Handlowiec", "Waluta",
)  # fmt: skip


def money_cell(rng: random.Random, value: float, currency: str, p_suffix: float) -> str:
    sep = "\xa0" if rng.random() < 0.03 else " "  # Excel's non-breaking space now and then
    text = grouped(value, sep=sep)
    if rng.random() < p_suffix:
        text += " zł" if currency == "PLN" else " kr"
    return text


def order_row(rng: random.Random, line: OrderLine) -> list[str]:
    product = line.product + (" " if rng.random() < 0.01 else "")  # trailing space
    return [
        line.order_id,
        line.day.strftime("%d.%m.%Y"),
        line.customer,
        product,
        line.category,
        str(line.quantity),
        money_cell(rng, line.unit_price, line.currency, 0.35),
        money_cell(rng, line.discount, line.currency, 0.0),
        money_cell(rng, line.net, line.currency, 0.12),
        money_cell(rng, line.cost, line.currency, 0.0),
        line.status,
        line.channel,
        line.region,
        line.rep,
        line.currency,
    ]


def write_orders(rng: random.Random, lines: list[OrderLine], path: Path) -> None:
    blank_after = next(i for i, ln in enumerate(lines) if ln.day.year == 2025)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(ORDER_HEADERS)
        for index, line in enumerate(lines):
            if index == blank_after:
                handle.write("\r\n")  # two monthly exports pasted together
            writer.writerow(order_row(rng, line))
        totals = ["Razem", "", "", "", "", str(sum(ln.quantity for ln in lines)), ""]
        for attr in ("discount", "net", "cost"):
            totals.append(grouped(sum(getattr(ln, attr) for ln in lines)))
        writer.writerow(totals + [""] * (len(ORDER_HEADERS) - len(totals)))


def yes_no_sv(value: bool | None) -> str:
    return "" if value is None else ("Ja" if value else "Nej")


def write_leads(rng: random.Random, leads: list[Lead], path: Path) -> None:
    headers = (
        "Lead-ID", "Skapad", "Företag", "Källa", "Kampanj", "Säljare", "Status", "Kvalificerad",
        "Första kontakt", "Konverterad", "Konverteringsdatum", "Kontaktförsök", "Kontaktmetod",
    )  # fmt: skip
    stamp = "%Y-%m-%d %H:%M"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=",", lineterminator="\n")
        writer.writerow(headers)
        for lead in leads:
            rep = lead.rep.lower() if lead.rep and rng.random() < 0.01 else lead.rep
            writer.writerow([
                lead.lead_id,
                lead.created.strftime(stamp),
                lead.company.name,
                lead.source,
                lead.campaign,
                rep,
                lead.status,
                yes_no_sv(True if lead.converted_at else lead.qualified),
                lead.first_contact.strftime(stamp) if lead.first_contact else "",
                yes_no_sv(lead.converted_at is not None),
                lead.converted_at.date().isoformat() if lead.converted_at else "",
                len(lead.touches),
                lead.method,
            ])  # fmt: skip


def write_subscriptions(subs: list[Subscription], path: Path) -> None:
    headers = (
        "id", "Customer ID", "Customer Email", "Plan", "Quantity", "Currency", "Amount",
        "Interval", "Interval Count", "Status", "Created (UTC)", "Start Date (UTC)",
        "Current Period Start (UTC)", "Current Period End (UTC)", "Trial End (UTC)",
        "Canceled At (UTC)", "Cancel At Period End", "Ended At (UTC)",
    )  # fmt: skip

    def stamp(moment: dt.datetime | None) -> str:
        return moment.strftime("%Y-%m-%d %H:%M") if moment else ""

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(headers)
        for sub in subs:
            writer.writerow([
                sub.sub_id, sub.customer_id, sub.email, sub.plan.name, 1, "pln",
                f"{sub.plan.amount:.2f}", sub.plan.interval, sub.plan.interval_count, sub.status,
                stamp(sub.start), stamp(sub.start), stamp(sub.period_start),
                stamp(sub.period_end), stamp(sub.trial_end), stamp(sub.canceled_at),
                "true" if sub.cancel_at_period_end else "false", stamp(sub.ended_at),
            ])  # fmt: skip


def write_competitors(rng: random.Random, rows: list[PriceRow], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(("Produkt", "Nasza cena", "Cena konkurencji", "Konkurent", "Data"))
        for name, ours, theirs, rival, day in rows:
            theirs_text = "" if theirs is None else grouped(theirs)
            if theirs is not None and rng.random() < 0.15:
                theirs_text += " zł"
            writer.writerow([
                name, grouped(ours), theirs_text, rival, day.strftime("%d.%m.%Y") if day else "",
            ])  # fmt: skip


BOLD = Font(bold=True)


def first_sheet(book: Workbook, title: str) -> Worksheet:
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = title
    return sheet


def header_row(sheet: Worksheet, headers: Sequence[str], row: int = 1) -> None:
    for column, title in enumerate(headers, start=1):
        sheet.cell(row=row, column=column, value=title).font = BOLD


def set_widths(sheet: Worksheet, widths: Iterable[int]) -> None:
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def summary_sheet(sheet: Worksheet, deals: list[Deal]) -> None:
    sheet["A1"] = "Sklep Bałtyk – CRM export"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = f"Exported {EXPORT_STAMP:%Y-%m-%d %H:%M} by Erik Lindqvist"
    sheet["A3"] = "Pipeline: B2B Sales · currency PLN"
    sheet["A4"] = f"Deals created {START.isoformat()} – {END.isoformat()}"
    header_row(sheet, ("Row Labels", "Count of Deal ID", "Sum of Amount"), row=6)
    count: Counter[str] = Counter(d.stage for d in deals)
    amount: defaultdict[str, float] = defaultdict(float)
    for deal in deals:
        amount[deal.stage] += deal.amount or 0.0
    row = 7
    for stage in (*FUNNEL, WON, LOST):
        sheet.cell(row=row, column=1, value=stage)
        sheet.cell(row=row, column=2, value=count[stage])
        sheet.cell(row=row, column=3, value=amount[stage]).number_format = "#,##0"
        row += 1
    sheet.cell(row=row, column=1, value="Grand Total").font = BOLD
    sheet.cell(row=row, column=2, value=len(deals)).font = BOLD
    total = sheet.cell(row=row, column=3, value=sum(amount.values()))
    total.font, total.number_format = BOLD, "#,##0"
    set_widths(sheet, (28, 18, 16))


DEAL_HEADERS = (
    "Deal ID", "Deal Name", "Create Date", "Close Date", "Amount", "Deal Stage", "Probability",
    "Deal Owner", "Source", "Region", "Lead ID", "Quote Date", "Lost Reason", "Winnable",
    "Provided Lead", "Currency",
)  # fmt: skip


def probability_cell(rng: random.Random, stage: str) -> float | str:
    value = STAGE_PROBABILITY[stage]
    return f"{round(value * 100)}%" if rng.random() < 0.5 else value


def deals_sheet(rng: random.Random, sheet: Worksheet, deals: list[Deal]) -> None:
    sheet["A1"] = f"Deals export {EXPORT_STAMP.date().isoformat()}"
    sheet["A1"].font = Font(bold=True, size=13)
    header_row(sheet, DEAL_HEADERS, row=3)
    for row, deal in enumerate(deals, start=4):
        values = (
            deal.deal_id, f"{deal.company.name} – {deal.kind}", deal.created.date(),
            deal.close_date, deal.amount, deal.stage, probability_cell(rng, deal.stage),
            deal.owner, deal.source, deal.company.region, deal.lead.lead_id if deal.lead else None,
            deal.quote_date, deal.lost_reason or None, deal.winnable or None,
            "Yes" if deal.provided else "No", "PLN",
        )  # fmt: skip
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column, value=value)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
        sheet.cell(row=row, column=5).number_format = "#,##0.00"
    total_row = len(deals) + 4
    sheet.cell(row=total_row, column=1, value="Total").font = BOLD
    total = sheet.cell(row=total_row, column=5, value=sum(d.amount or 0 for d in deals))
    total.font, total.number_format = BOLD, "#,##0.00"
    set_widths(sheet, (10, 48, 12, 12, 12, 16, 11, 18, 12, 13, 12, 12, 17, 9, 12, 9))


def history_sheet(sheet: Worksheet, deals: list[Deal]) -> None:
    header_row(sheet, ("Deal ID", "Stage", "Date entered"))
    row = 2
    for deal in sorted(deals, key=lambda d: d.deal_id):
        for stage, moment in deal.path:
            sheet.cell(row=row, column=1, value=deal.deal_id)
            sheet.cell(row=row, column=2, value=stage)
            sheet.cell(row=row, column=3, value=moment).number_format = "yyyy-mm-dd hh:mm"
            row += 1
    set_widths(sheet, (10, 16, 18))


def activities_sheet(sheet: Worksheet, activities: list[Activity]) -> None:
    headers = ("Activity ID", "Date", "Type", "Subject", "Owner", "Outcome", "Deal ID", "Lead ID")
    header_row(sheet, headers)
    for row, act in enumerate(activities, start=2):
        values = (
            act.activity_id, act.when, act.type or None, act.subject, act.owner, act.outcome,
            act.deal_id or None, act.lead_id or None,
        )  # fmt: skip
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=value)
        sheet.cell(row=row, column=2).number_format = "yyyy-mm-dd hh:mm"
    set_widths(sheet, (12, 17, 11, 34, 18, 11, 9, 12))


def write_crm(
    rng: random.Random, deals: list[Deal], activities: list[Activity], path: Path
) -> None:
    book = Workbook()
    summary_sheet(first_sheet(book, "Summary"), deals)
    deals_sheet(rng, book.create_sheet("Deals"), deals)
    history_sheet(book.create_sheet("Stage history"), deals)
    activities_sheet(book.create_sheet("Activities"), activities)
    save_workbook(book, path)


def swedish_month(iso_day: str) -> str:
    day = dt.date.fromisoformat(iso_day)
    return f"{SWEDISH_MONTHS[day.month - 1]} {day.year}"


def marketing_value(
    rng: random.Random, header: str, value: float | int | str | None, year: int, channel: str
) -> float | int | str | None:
    """Money typed as text ("12 345,50 zł") in some cells, numbers elsewhere."""
    if header not in MONEY_COLUMNS or value is None:
        return value
    typed = (
        year == 2024 and channel in ("Google Ads", "Meta Ads", "LinkedIn")
    ) or rng.random() < 0.12
    if typed and header == "Kostnad (PLN)":
        return f"{grouped(float(value))} zł"
    if typed and rng.random() < 0.4:
        return grouped(float(value))
    return value


def marketing_sheet(rng: random.Random, sheet: Worksheet, rows: list[Row], year: int) -> None:
    header_row(sheet, MARKETING_HEADERS)
    sums: defaultdict[str, float] = defaultdict(float)
    for number, data in enumerate(rows, start=2):
        for column, header in enumerate(MARKETING_HEADERS, start=1):
            value = data.get(header)
            if header == "Månad":
                value = swedish_month(str(value))
            elif isinstance(value, int | float) and header not in NOT_SUMMED:
                sums[header] += value
            value = marketing_value(rng, header, value, year, str(data["Kanal"]))
            cell = sheet.cell(row=number, column=column, value=value)
            if header in MONEY_COLUMNS and isinstance(value, float):
                cell.number_format = "#,##0.00"
    total_row = len(rows) + 2
    sheet.cell(row=total_row, column=1, value="Summa").font = BOLD
    for column, header in enumerate(MARKETING_HEADERS, start=1):
        if header in sums:
            cell = sheet.cell(row=total_row, column=column, value=round(sums[header], 2))
            cell.font = BOLD
            if header in MONEY_COLUMNS:
                cell.number_format = "#,##0.00"
    set_widths(sheet, (15, 12, 34, *([13] * (len(MARKETING_HEADERS) - 3))))


def write_marketing(rng: random.Random, rows: list[Row], path: Path) -> None:
    book = Workbook()
    book.remove(first_sheet(book, "unused"))
    for year in (2024, 2025):
        mine = [r for r in rows if str(r["Månad"]).startswith(str(year))]
        marketing_sheet(rng, book.create_sheet(str(year)), mine, year)
    save_workbook(book, path)


def write_targets(targets: list[Target], path: Path) -> None:
    book = Workbook()
    sheet = first_sheet(book, "Targets")
    header_row(sheet, ("Period", "Rep", "Team", "Metric", "Target"))
    for row, target in enumerate(targets, start=2):
        values = (
            target.period,
            target.rep or None,
            target.team or None,
            target.metric,
            target.target,
        )
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=value)
        sheet.cell(row=row, column=5).number_format = "#,##0"
    set_widths(sheet, (10, 18, 8, 15, 12))
    save_workbook(book, path)


def save_workbook(book: Workbook, path: Path) -> None:
    """Save with fixed metadata and zip timestamps so reruns give identical bytes."""
    book.properties.creator = "Sklep Bałtyk"
    book.properties.created = EXPORT_STAMP
    book.save(path)
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info.filename)) for info in source.infolist()]
    fixed_time = EXPORT_STAMP.timetuple()[:6]
    stamp = EXPORT_STAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            member = zipfile.ZipInfo(info.filename, date_time=fixed_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            target.writestr(member, data)


# --------------------------------------------------------------------------------------------
# README and verification
# --------------------------------------------------------------------------------------------


@dataclass
class Generated:
    shop: ShopData
    leads: list[Lead]
    deals: list[Deal]
    activities: list[Activity]
    subs: list[Subscription]
    marketing: list[Row]
    targets: list[Target]
    prices: list[PriceRow]


def span(days: Iterable[dt.date]) -> str:
    ordered = sorted(days)
    return f"{ordered[0].isoformat()} – {ordered[-1].isoformat()}"


def count_summary(data: Generated) -> dict[str, str]:
    lines, deals, leads, subs = data.shop.lines, data.deals, data.leads, data.subs
    statuses = Counter(ln.status for ln in lines)
    outcomes = Counter(d.outcome for d in deals)
    numbers = {
        "lines": len(lines),
        "orders": len({ln.order_id for ln in lines}),
        "customers": len(data.shop.customers),
        "cancelled": statuses["Anulowane"],
        "returned": statuses["Zwrócone"],
        "sek": sum(1 for ln in lines if ln.currency == "SEK"),
        "deals": len(deals),
        "won": outcomes["won"],
        "lost": outcomes["lost"],
        "open": outcomes["open"],
        "no_amount": sum(1 for d in deals if d.amount is None),
        "history": sum(len(d.path) for d in deals),
        "activities": len(data.activities),
        "leads": len(leads),
        "converted": sum(1 for lead in leads if lead.converted_at),
        "subs": len(subs),
        "sub_customers": len({s.customer_id for s in subs}),
        "marketing": len(data.marketing),
        "targets": len(data.targets),
        "prices": len(data.prices),
    }
    spans = {
        "orders_span": span(ln.day for ln in lines),
        "deals_span": span(d.created.date() for d in deals),
        "activities_span": span(a.when.date() for a in data.activities),
        "leads_span": span(lead.created.date() for lead in leads),
        "subs_span": span(s.start.date() for s in subs),
        "prices_span": span(day for *_, day in data.prices if day),
    }
    return {k: f"{v:,}" for k, v in numbers.items()} | spans


README_INTRO = """\
# Sample files — "Sklep Bałtyk"

All data here is **fictional**, generated by `tools/make_samples.py` (seeded and deterministic:
`python tools/make_samples.py` rewrites every file, this README included). Sklep Bałtyk is an
invented Polish-Swedish outdoor-gear business: a web shop, a small B2B team working in a CRM and a
gear-rental club billed through Stripe. The data runs from 2024-07-01 to 2025-10-31 (16 whole
months); targets run on to 2025-12. Money is PLN (a few deliberate SEK orders aside). Reps: Anna
Kowalska and Piotr Wiśniewski (team Sklep), Erik Lindqvist and Maja Söderberg (team B2B).
Regions: Mazowieckie, Pomorskie, Małopolskie, Skåne. Cannibalisation: "{new}" was launched on
{launch} and takes sales from "{old}" (enter them as new product / old product / launch date).
"""

README_FILES = (
    (
        ORDERS_FILE,
        "Web-shop order lines in Polish: {lines} lines of {orders} orders by {customers} "
        "customers (e-mail addresses), {orders_span}. Semicolon-delimited, UTF-8 with BOM, CRLF; "
        'dates dd.mm.yyyy; money with decimal commas and space thousands ("1 234,56"; a '
        'non-breaking space in some cells), " zł"/" kr" in some cells. Messes: {cancelled} '
        'cancelled lines ("Anulowane"), {returned} returned lines ("Zwrócone", sometimes '
        "one line of an order), {sek} lines of Swedish orders in SEK (Waluta), some e-mails in "
        "Mixed.Case@Domain, a few product names with a trailing space, empty Handlowiec on a few "
        'orders, one blank line (between 2024 and 2025), a "Razem" totals row at the bottom.',
    ),
    (
        CRM_FILE,
        'CRM workbook in English. "Summary": a title, text lines and an Excel-style pivot (not '
        'data). "Deals": title "Deals export 2025-11-01", empty row 2, header on row 3; '
        "{deals} deals created {deals_span} ({won} won, {lost} lost, {open} open; an open deal's "
        'Close Date is the expected one), real Excel dates, Probability as "40%" text or 0.4, '
        "Lead ID on deals from leads, Lost Reason and Winnable on lost deals, {no_amount} open "
        'deals without Amount, a "Total" row. "Stage history": {history} rows (Deal ID, Stage, '
        'Date entered). "Activities": {activities} rows, {activities_span}, some without Type '
        '(the Polish/Swedish/English Subject says it), a few owners in lower case, "Scheduled" '
        "outcomes on the last days.",
    ),
    (
        LEADS_FILE,
        "Leads in Swedish: {leads} leads created {leads_span}, {converted} converted to deals "
        '(their Lead-ID is on the deal). Comma-delimited UTF-8; date-times "2025-03-04 14:22"; '
        "Ja/Nej booleans. Messes: Kvalificerad empty for untouched new leads, Säljare empty for "
        "unassigned ones and in lower case on a few, campaign names with a comma (quoted), no "
        "campaign on referrals. Kontaktförsök equals the lead's logged activities in the CRM.",
    ),
    (
        MARKETING_FILE,
        'Monthly marketing in Swedish: sheets "2024" and "2025", {marketing} rows (month × '
        'channel × campaign, months as "juli 2024"), header on row 1, a "Summa" row per '
        "sheet. Kostnad and Intäkt are numbers in most cells and text with decimal commas "
        '("12 345,50 zł") in others. The e-commerce funnel (View content … Purchases) is on the '
        "web-shop Google Ads and Meta Ads rows; leads, purchases and attributed revenue agree "
        "with the leads, orders and CRM files.",
    ),
    (
        SUBSCRIPTIONS_FILE,
        "Stripe subscriptions export of the gear-rental club: {subs} subscriptions of "
        "{sub_customers} customers (sub_…/cus_…), started {subs_span}, newest first. Amount is "
        'a decimal in PLN ("49.90", not minor units), Currency "pln", Interval month/year '
        "with Interval Count (the Season plan bills every 3 months); statuses active, canceled, "
        "past_due, trialing; upgrades and come-backs are new subscriptions of the same customer; "
        "some cancelled ones run to the period end (Canceled At filled, Ended At empty).",
    ),
    (
        TARGETS_FILE,
        'Targets, sheet "Targets": {targets} rows of Period, Rep, Team, Metric, Target. Period '
        'is text ("2025-01", or the quarter "2025-Q4" / "2024-Q3"). Company revenue per '
        "month (Q4 2025 as one quarter row), revenue per shop rep, won deals per B2B rep, company "
        "leads per quarter and new customers per month, 2024-07 to 2025-12.",
    ),
    (
        COMPETITORS_FILE,
        "Competitor prices in Polish: {prices} rows (Produkt;Nasza cena;Cena konkurencji;"
        "Konkurent;Data), quarterly checks {prices_span}. Semicolons, UTF-8 with BOM, decimal "
        'commas, " zł" on some prices; 3 rows without a date, 2 without a competitor price.',
    ),
)


def write_readme(stats: dict[str, str], path: Path) -> None:
    intro = README_INTRO.format(new=NEW_PRODUCT, old=OLD_PRODUCT, launch=LAUNCH_DATE)
    title, body = intro.split("\n\n", 1)
    parts = [f"{title}\n\n{textwrap.fill(' '.join(body.split()), width=100)}\n"]
    for name, text in README_FILES:
        parts.append(f"## `{name}`\n\n{textwrap.fill(text.format(**stats), width=100)}\n")
    path.write_text("\n".join(parts), encoding="utf-8")


def parse_day(text: str) -> dt.date | None:
    for pattern in ("%d.%m.%Y", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def csv_report(name: str, encoding: str, delimiter: str, date_column: str) -> str:
    with (OUT_DIR / name).open(encoding=encoding, newline="") as handle:
        records = list(csv.reader(handle, delimiter=delimiter))
    header, body = records[0], records[1:]
    index = header.index(date_column)
    data = [r for r in body if any(cell.strip() for cell in r) and r[0] not in ("Razem",)]
    days = [d for r in data if (d := parse_day(r[index]))]
    assert all(len(r) == len(header) for r in data), f"{name}: ragged rows"
    return f"{len(data)} rows, {date_column} {min(days)} .. {max(days)}"


def sheet_report(sheet: Worksheet, header_at: int, date_column: str) -> str:
    rows = list(sheet.iter_rows(min_row=header_at, values_only=True))
    header, body = rows[0], rows[1:]
    data = [r for r in body if r[0] not in (None, "Total", "Summa", "Grand Total")]
    index = header.index(date_column)
    values = [r[index] for r in data]
    days = [v.date() if isinstance(v, dt.datetime) else v for v in values if isinstance(v, dt.date)]
    span = f"{min(days)} .. {max(days)}" if days else f"{values[0]} .. {values[-1]}"
    return f"{len(data)} rows, {date_column} {span}"


def verify_outputs() -> None:
    """Read every file back the way a user's tool would and print what it holds."""
    print(f"{ORDERS_FILE}: {csv_report(ORDERS_FILE, 'utf-8-sig', ';', 'Data zamówienia')}")
    print(f"{LEADS_FILE}: {csv_report(LEADS_FILE, 'utf-8', ',', 'Skapad')}")
    print(
        f"{SUBSCRIPTIONS_FILE}: {csv_report(SUBSCRIPTIONS_FILE, 'utf-8', ',', 'Start Date (UTC)')}"
    )
    print(f"{COMPETITORS_FILE}: {csv_report(COMPETITORS_FILE, 'utf-8-sig', ';', 'Data')}")
    layout = {
        CRM_FILE: {
            "Deals": (3, "Create Date"),
            "Stage history": (1, "Date entered"),
            "Activities": (1, "Date"),
        },
        MARKETING_FILE: {"2024": (1, "Månad"), "2025": (1, "Månad")},
        TARGETS_FILE: {"Targets": (1, "Period")},
    }
    for name, sheets in layout.items():
        book = load_workbook(OUT_DIR / name, read_only=True, data_only=True)
        print(f"{name}: sheets {book.sheetnames}")
        for sheet_name, (header_at, column) in sheets.items():
            print(f"  {sheet_name}: {sheet_report(book[sheet_name], header_at, column)}")
        book.close()
    total = 0
    for path in sorted(OUT_DIR.iterdir()):
        size = path.stat().st_size
        total += size
        print(f"{path.name:34} {size:>10,} bytes")
        assert size <= MAX_FILE_BYTES, f"{path.name} is larger than {MAX_FILE_BYTES:,} bytes"
    print(f"{'total':34} {total:>10,} bytes")
    assert total <= MAX_TOTAL_BYTES, "sample_files is larger than 3 MB"


def section_rng(name: str) -> random.Random:
    """One random stream per part, so tuning one file leaves the others unchanged."""
    return random.Random(f"{SEED}:{name}")


def generate() -> Generated:
    shop = simulate_shop(section_rng("shop"))
    companies = make_companies(section_rng("companies"), 520)
    leads = simulate_leads(section_rng("leads"), companies)
    deals = simulate_deals(section_rng("deals"), leads, companies)
    activities = simulate_activities(section_rng("activities"), leads, deals)
    subs = simulate_subscriptions(section_rng("subscriptions"), shop)
    rows = marketing_rows(section_rng("marketing"), collect_facts(shop, leads, deals))
    rng = section_rng("targets")
    targets = revenue_targets(rng, shop) + activity_targets(rng, shop, leads)
    prices = competitor_rows(section_rng("prices"))
    return Generated(shop, leads, deals, activities, subs, rows, targets, prices)


def write_all(data: Generated) -> None:
    OUT_DIR.mkdir(exist_ok=True)
    rng = section_rng("writers")
    write_orders(rng, data.shop.lines, OUT_DIR / ORDERS_FILE)
    write_crm(rng, data.deals, data.activities, OUT_DIR / CRM_FILE)
    write_leads(rng, data.leads, OUT_DIR / LEADS_FILE)
    write_marketing(rng, data.marketing, OUT_DIR / MARKETING_FILE)
    write_subscriptions(data.subs, OUT_DIR / SUBSCRIPTIONS_FILE)
    write_targets(data.targets, OUT_DIR / TARGETS_FILE)
    write_competitors(rng, data.prices, OUT_DIR / COMPETITORS_FILE)
    write_readme(count_summary(data), OUT_DIR / "README.md")


def main() -> None:
    write_all(generate())
    verify_outputs()


if __name__ == "__main__":
    main()
