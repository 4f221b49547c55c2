"""The canonical model: every table, its fields, their kinds and the header synonyms the mapper reads.

Declared once (catalogue section 1); the recogniser, the cleaner and the docs page read it from here.
Synonyms are compared after `normalise_header` (case-folded, accents kept, punctuation to spaces).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal[
    "date",  # a calendar date (date-times are read and their date part used where a date is meant)
    "datetime",  # a date with an optional time of day
    "money",  # an amount in the upload's currency
    "number",  # a plain number (counts, sizes)
    "int",  # a whole number (stage order, touches)
    "fraction",  # a rate: 0.2, "20%", or a number above 1 read as a percentage
    "text",  # a dimension or free text (trimmed, whitespace collapsed)
    "id",  # a key kept as text exactly (zero padding and apostrophes handled)
    "bool",  # yes/no in many languages
    "currency",  # an ISO code or a symbol
    "period",  # a target period: YYYY-MM, a date, YYYY-Qn, YYYY, FY<yyyy>-Qn
]


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    required: bool = False
    description: str = ""
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    fields: tuple[Field, ...]
    date_field: str | None  # the table's own date: empty or unparseable -> bad_date
    id_field: str | None = None  # a repeated id in a later file -> duplicate
    # fields that stand in for a required one: orders.revenue <- quantity + unit_price
    substitutes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name}.{name}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


def normalise_header(text: str) -> str:
    """Case-fold, drop a currency in brackets, turn punctuation and underscores into single spaces."""
    t = unicodedata.normalize("NFKC", str(text)).casefold().strip().lstrip("\ufeff")
    t = re.sub(r"([a-z])([A-Z])", r"\1 \2", t)
    t = re.sub(r"[_\-–/\\.:;,()\[\]{}#*\"'’?!|+&]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def split_camel(text: str) -> str:
    """'CreatedDate' -> 'Created Date' (Salesforce API names), 'LossReason__c' -> 'Loss Reason c'."""
    t = re.sub(r"__c$", "", str(text))
    t = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", t)
    return t


def S(*synonyms: str) -> tuple[str, ...]:  # noqa: N802 - reads as a literal in the tables below
    return synonyms

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "product": S(
        "product", "product name", "product title", "item", "item name", "lineitem name",
        "product code", "sku name", "produkt", "nazwa produktu", "towar", "товар", "продукт",
        "наименование", "номенклатура", "artikel", "artikelname", "vara", "produktnamn", "产品",
        "商品", "产品名称", "商品名称", "model",
    ),
    "category": S(
        "category", "product category", "product type", "product line", "kategoria", "категория",
        "kategori", "kategorie", "produktkategorie", "类别", "品类", "分类", "sub category",
    ),
    "region": S(
        "region", "territory", "province", "state", "billing province name", "billing province",
        "sales region", "area", "region name", "województwo", "wojewodztwo", "регион", "область",
        "län", "bundesland", "地区", "区域", "省份", "store", "shop", "торговая точка", "sklep",
        "butik", "filiale", "门店", "city", "miasto", "город", "stad", "stadt", "城市",
    ),
    "country": S(
        "country", "billing country", "shipping country", "country region", "kraj", "страна",
        "land", "国家", "country code",
    ),
    "rep": S(
        "rep", "sales rep", "salesperson", "sales person", "sales agent", "seller", "owner",
        "deal owner", "opportunity owner", "lead owner", "account owner", "owner id", "owner name",
        "assigned to", "user", "employee", "agent", "account manager", "handlowiec",
        "przedstawiciel", "sprzedawca", "opiekun", "менеджер", "продавец", "ответственный",
        "сотрудник", "säljare", "saljare", "ansvarig", "verkäufer", "vertriebsmitarbeiter",
        "mitarbeiter", "销售", "销售员", "销售代表", "负责人", "业务员",
    ),
    "channel": S(
        "channel", "source", "lead source", "acquisition channel", "sales channel", "platform",
        "medium", "utm source", "utm medium", "referring site", "campaign type", "source medium",
        "session source", "kanał", "kanal", "źródło", "zrodlo", "канал", "источник", "källa",
        "kalla", "quelle", "vertriebskanal", "渠道", "来源", "original source", "type",
    ),
    "segment": S(
        "segment", "customer segment", "customer type", "segment klienta", "сегмент",
        "kundsegment", "kundensegment", "客户类型", "细分",
    ),
    "team": S(
        "team", "sales team", "manager", "zespół", "zespol", "команда", "отдел", "säljteam",
        "vertriebsteam", "团队", "小组",
    ),
}

CURRENCY = S("currency", "currency code", "currency iso code", "waluta", "валюта", "valuta",
             "währung", "wahrung", "货币", "币种")

ORDERS = Table(
    name="orders",
    description="one row per order or order line (POS, web shop, invoicing, accounting export)",
    date_field="order_date",
    substitutes={"revenue": ("quantity", "unit_price")},
    fields=(
        Field("order_date", "datetime", True, "when the order was placed", S(
            "order date", "date", "created at", "created", "paid at", "order created",
            "invoice date", "transaction date", "sale date", "date created", "date paid",
            "data zamówienia", "data zamowienia", "data", "data sprzedaży", "data sprzedazy",
            "data wystawienia", "дата", "дата заказа", "дата продажи", "дата документа",
            "orderdatum", "datum", "försäljningsdatum", "bestelldatum", "rechnungsdatum",
            "订单日期", "日期", "下单时间", "销售日期", "day", "period",
        )),
        Field("revenue", "money", True, "the order's or line's value (net first)", S(
            "subtotal", "net sales", "net revenue", "net amount", "net", "wartość netto",
            "wartosc netto", "netto", "kwota netto", "nettobelopp", "nettoumsatz",
            "total", "sales", "amount", "revenue", "gross", "gross sales", "brutto",
            "wartość brutto", "wartosc brutto", "wartość", "wartosc", "kwota", "przychód",
            "przychod", "sprzedaż", "sprzedaz", "сумма", "выручка", "сумма продажи", "стоимость",
            "belopp", "summa", "intäkt", "försäljning", "umsatz", "betrag", "gesamtbetrag",
            "金额", "销售额", "总额", "实收金额", "line total", "order total", "total sales",
            "order amount", "sales amount", "total price", "value", "price total",
        )),
        Field("order_id", "id", False, "order or invoice number", S(
            "order id", "order", "order number", "order no", "name", "invoice", "invoice no",
            "invoice number", "invoice id", "transaction id", "receipt", "nr zamówienia",
            "nr zamowienia", "numer zamówienia", "numer zamowienia", "id zamówienia",
            "zamówienie", "nr faktury", "номер заказа", "заказ", "номер", "номер документа",
            "ordernummer", "order nr", "fakturanummer", "bestellnummer", "bestellung",
            "auftragsnummer", "订单号", "订单编号", "单号", "ordernumber", "order line",
        )),
        Field("customer_id", "id", False, "customer (id, e-mail or name)", S(
            "customer id", "customer", "customer name", "customer email", "email", "e mail",
            "client", "client id", "buyer", "klient", "id klienta", "nabywca", "kontrahent",
            "клиент", "покупатель", "контрагент", "kund", "kundnummer", "kund id", "kunde",
            "kundennummer", "客户", "客户名称", "客户id", "会员", "account", "account name",
            "company", "billing name", "customername", "contact",
        )),
        Field("quantity", "number", False, "units on the line", S(
            "quantity", "qty", "lineitem quantity", "quantity ordered", "units", "ilość", "ilosc",
            "szt", "количество", "кол во", "antal", "menge", "anzahl", "数量", "quantityordered",
            "pieces", "items",
        )),
        Field("unit_price", "money", False, "price per unit", S(
            "unit price", "price", "lineitem price", "price each", "cena", "cena jednostkowa",
            "cena netto", "цена", "цена за единицу", "pris", "à pris", "styckpris", "preis",
            "einzelpreis", "单价", "价格", "priceeach", "item price", "rate",
        )),
        Field("discount", "money", False, "discount amount on the row", S(
            "discount", "lineitem discount", "discount amount", "rabat", "скидка", "rabatt",
            "折扣", "优惠", "discounts",
        )),
        Field("discount_rate", "fraction", False, "discount as a share of the gross", S(
            "discount rate", "discount %", "discount percent", "rabat %", "rabat procentowy",
            "kupon", "coupon", "скидка %", "rabatt %", "折扣率",
        )),
        Field("cost", "money", False, "direct cost / COGS of the row", S(
            "cost", "cogs", "cost of goods", "cost of goods sold", "unit cost", "purchase price",
            "koszt", "koszt własny", "cena zakupu", "себестоимость", "закупочная цена",
            "kostnad", "inköpspris", "inkopspris", "kosten", "einkaufspreis", "wareneinsatz",
            "成本", "进价",
        )),
        Field("profit", "money", False, "profit of the row (cost = revenue - profit)", S(
            "profit", "gross profit", "margin", "zysk", "marża", "marza", "прибыль", "маржа",
            "vinst", "bruttovinst", "gewinn", "marge", "利润", "毛利",
        )),
        Field("status", "text", False, "order / payment status", S(
            "status", "order status", "financial status", "payment status",
            "status zamówienia", "status zamowienia", "статус", "статус заказа", "orderstatus",
            "bestellstatus", "状态", "订单状态",
        )),
        Field("currency", "currency", False, "currency code", CURRENCY),
        *(Field(d, "text", False, f"{d} (dimension)", DIMENSIONS[d]) for d in (
            "product", "category", "region", "country", "rep", "channel", "segment", "team")),
    ),
)

DEALS = Table(
    name="deals",
    description="CRM opportunities (HubSpot, Pipedrive, Salesforce, Zoho ...)",
    date_field="created_date",
    id_field="deal_id",
    fields=(
        Field("created_date", "datetime", True, "when the deal was created", S(
            "create date", "created date", "created", "created at", "deal created on",
            "deal created", "date created", "engage date", "opened", "open date", "add time",
            "deal creation date", "data utworzenia", "utworzono", "data dodania",
            "дата создания", "создана", "создано", "skapad", "skapat", "skapad datum",
            "erstellt", "erstellt am", "erstelldatum", "创建日期", "创建时间",
        )),
        Field("amount", "money", True, "deal value", S(
            "amount", "deal value", "value", "deal amount", "close value", "opportunity amount",
            "wartość", "wartosc", "wartość szansy", "kwota", "сумма сделки", "сумма", "бюджет",
            "värde", "affärsvärde", "belopp", "betrag", "wert", "auftragswert", "金额",
            "商机金额", "deal size",
        )),
        Field("deal_id", "id", False, "deal id", S(
            "deal id", "record id", "opportunity id", "id", "deal", "id szansy", "id сделки",
            "сделка", "affärs id", "商机id", "opportunity",
        )),
        Field("close_date", "datetime", False, "date won or lost", S(
            "close date", "closed date", "closed at", "won time", "lost time", "close time",
            "deal closed on", "date closed", "data zamknięcia", "data zamkniecia",
            "дата закрытия", "stängd", "stängningsdatum", "abschlussdatum", "关闭日期",
            "成交日期", "won date",
        )),
        Field("stage", "text", False, "pipeline stage", S(
            "stage", "deal stage", "stage name", "pipeline stage", "etap", "etap sprzedaży",
            "этап", "стадия", "этап сделки", "steg", "fas", "affärsfas", "phase", "stufe",
            "阶段", "销售阶段",
        )),
        Field("stage_order", "int", False, "position of the stage in the funnel", S(
            "stage order", "stage sort order", "stage position", "kolejność etapu",
            "порядок этапа",
        )),
        Field("status", "text", False, "open / won / lost", S(
            "status", "deal status", "outcome", "result", "won lost", "stan", "статус",
            "результат", "resultat", "ergebnis", "状态", "结果",
        )),
        Field("probability", "fraction", False, "chance of winning", S(
            "probability", "deal probability", "win probability", "probability %",
            "prawdopodobieństwo", "prawdopodobienstwo", "вероятность", "sannolikhet",
            "wahrscheinlichkeit", "概率", "赢率",
        )),
        Field("customer_id", "id", False, "customer / account", S(
            "account", "account id", "account name", "company", "organization", "organisation",
            "customer", "customer id", "client", "klient", "firma", "klient id", "клиент",
            "компания", "kund", "företag", "kunde", "firma name", "客户", "公司", "associated company",
        )),
        Field("lead_id", "id", False, "the lead the deal came from", S(
            "lead id", "lead", "id leada", "лид",
        )),
        Field("quote_date", "date", False, "when a quote was sent", S(
            "quote date", "quote sent", "proposal date", "offer date", "data oferty",
            "дата кп", "offertdatum", "angebotsdatum", "报价日期",
        )),
        Field("lost_reason", "text", False, "why the deal was lost", S(
            "lost reason", "loss reason", "closed lost reason", "reason lost", "powód utraty",
            "причина отказа", "причина проигрыша", "förlustorsak", "verlustgrund", "丢单原因",
        )),
        Field("winnable", "bool", False, "could the lost deal have been won", S(
            "winnable", "could have won", "recoverable", "do wygrania", "можно было выиграть",
            "vinnbar",
        )),
        Field("provided_lead", "bool", False, "lead handed to the rep by the company", S(
            "provided lead", "company lead", "lead provided", "inbound", "przydzielony lead",
            "выданный лид", "tilldelad lead",
        )),
        Field("currency", "currency", False, "currency code", CURRENCY),
        *(Field(d, "text", False, f"{d} (dimension)", DIMENSIONS[d]) for d in (
            "rep", "channel", "region", "product", "team")),
    ),
)

STAGE_HISTORY = Table(
    name="stage_history",
    description="one row per deal entering a stage",
    date_field="entered_date",
    fields=(
        Field("deal_id", "id", True, "the deal", S(
            "deal id", "opportunity id", "opportunity", "deal", "record id", "id szansy",
            "сделка", "id сделки", "affär", "商机",
        )),
        Field("stage", "text", True, "the stage entered", S(
            "stage", "stage name", "to stage", "new stage", "deal stage", "etap", "этап",
            "стадия", "steg", "phase", "阶段",
        )),
        Field("entered_date", "datetime", True, "when the deal entered it", S(
            "entered date", "date entered", "entered at", "changed at", "change date", "date",
            "created date", "created at", "timestamp", "data zmiany", "дата изменения",
            "дата перехода", "datum", "ändrad", "geändert am", "变更日期", "日期",
        )),
        Field("stage_order", "int", False, "position of the stage", S(
            "stage order", "stage sort order", "stage position", "kolejność etapu",
        )),
    ),
)

LEADS = Table(
    name="leads",
    description="leads and prospects",
    date_field="created_date",
    id_field="lead_id",
    fields=(
        Field("created_date", "datetime", True, "when the lead came in", S(
            "created date", "create date", "created", "created at", "date created", "lead date",
            "date", "data utworzenia", "data", "дата создания", "дата", "skapad", "datum",
            "erstellt am", "创建日期", "日期", "submitted at", "signup date",
        )),
        Field("lead_id", "id", False, "lead id", S(
            "lead id", "id", "record id", "contact id", "prospect id", "id leada", "id лида",
            "лид", "线索id",
        )),
        Field("channel", "text", False, "lead source", S(
            "lead source", "source", "channel", "original source", "utm source", "źródło",
            "zrodlo", "źródło leada", "kanał", "источник", "канал", "källa", "kanal", "quelle",
            "来源", "渠道",
        )),
        Field("campaign", "text", False, "campaign", S(
            "campaign", "campaign name", "utm campaign", "kampania", "кампания", "kampanj",
            "kampagne", "活动",
        )),
        Field("rep", "text", False, "owner", DIMENSIONS["rep"]),
        Field("customer_id", "id", False, "customer", S(
            "customer id", "customer", "email", "e mail", "company", "klient", "клиент", "kund",
            "kunde", "客户",
        )),
        Field("qualified", "bool", False, "met the qualification criteria", S(
            "qualified", "is qualified", "sql", "sales qualified", "kwalifikowany",
            "zakwalifikowany", "квалифицирован", "квалифицированный", "kvalificerad",
            "qualifiziert", "合格",
        )),
        Field("qualified_date", "date", False, "when it was qualified", S(
            "qualified date", "date qualified", "sql date", "data kwalifikacji",
            "дата квалификации",
        )),
        Field("status", "text", False, "lead status", S(
            "status", "lead status", "stage", "lifecycle stage", "status leada", "статус",
            "статус лида", "leadstatus", "状态",
        )),
        Field("first_response_date", "datetime", False, "first contact by a rep", S(
            "first response date", "first response", "first contact", "first contacted",
            "first touch", "responded at", "first reply", "data pierwszego kontaktu",
            "дата первого контакта", "första kontakt", "erstkontakt",
        )),
        Field("opportunity_date", "date", False, "became an opportunity", S(
            "opportunity date", "became opportunity", "became an opportunity date",
            "data szansy", "дата сделки",
        )),
        Field("converted", "bool", False, "converted (account, contact, opportunity)", S(
            "converted", "is converted", "konwersja", "skonwertowany", "конвертирован",
            "сконвертирован", "konverterad", "konvertiert", "已转化", "转化",
        )),
        Field("converted_date", "date", False, "when it converted", S(
            "converted date", "conversion date", "date converted", "data konwersji",
            "дата конверсии", "konverteringsdatum", "konvertierungsdatum", "转化日期",
        )),
        Field("provided_lead", "bool", False, "handed out by the company", S(
            "provided lead", "provided", "company lead", "przydzielony", "выданный",
        )),
        Field("touches", "int", False, "outreach touches", S(
            "touches", "touch count", "number of touches", "touchpoints", "attempts",
            "kontakty", "liczba kontaktów", "касания", "количество касаний", "kontaktförsök",
        )),
        Field("outreach_method", "text", False, "email, cold call, in person ...", S(
            "outreach method", "outreach", "contact method", "method", "metoda kontaktu",
            "способ связи", "kontaktmetod",
        )),
    ),
)

ACTIVITIES = Table(
    name="activities",
    description="calls, e-mails, meetings, demos",
    date_field="activity_date",
    id_field="activity_id",
    substitutes={"type": ("subject",)},
    fields=(
        Field("activity_date", "datetime", True, "when it happened", S(
            "activity date", "date", "due date", "start date", "start time", "call date",
            "timestamp", "data", "data aktywności", "data czynności", "дата", "дата активности",
            "datum", "aktivitetsdatum", "日期", "时间", "done time",
        )),
        Field("type", "text", True, "call / email / meeting / demo / onboarding / follow_up", S(
            "type", "activity type", "task type", "event type", "typ", "rodzaj", "typ aktywności",
            "тип", "тип активности", "вид", "aktivitetstyp", "typ av aktivitet", "art",
            "aktivitätstyp", "类型", "活动类型",
        )),
        Field("subject", "text", False, "free-text subject", S(
            "subject", "title", "temat", "tytuł", "тема", "ämne", "betreff", "主题", "标题",
        )),
        Field("rep", "text", False, "who did it", DIMENSIONS["rep"]),
        Field("outcome", "text", False, "completed / no_show / cancelled / scheduled ...", S(
            "outcome", "status", "result", "call outcome", "wynik", "rezultat", "результат",
            "статус", "utfall", "ergebnis", "结果", "状态",
        )),
        Field("activity_id", "id", False, "activity id", S("activity id", "id", "task id")),
        Field("lead_id", "id", False, "lead", S("lead id", "lead", "who id", "contact id")),
        Field("deal_id", "id", False, "deal", S(
            "deal id", "deal", "opportunity id", "what id", "related to", "сделка",
        )),
        Field("customer_id", "id", False, "customer", S(
            "customer id", "account id", "account", "customer", "company", "klient", "клиент",
            "kund",
        )),
    ),
)

SUBSCRIPTIONS = Table(
    name="subscriptions",
    description="recurring revenue (Stripe, Chargebee, a contract list)",
    date_field="start_date",
    id_field="subscription_id",
    fields=(
        Field("customer_id", "id", True, "customer", S(
            "customer id", "customer", "customer email", "email", "client", "klient", "клиент",
            "kund", "kunde", "客户", "account",
        )),
        Field("start_date", "datetime", True, "first subscribed day", S(
            "start date", "start", "started at", "created", "created utc", "start date utc",
            "subscription start", "data rozpoczęcia", "data rozpoczecia", "od", "дата начала",
            "начало", "startdatum", "beginn", "开始日期",
        )),
        Field("end_date", "datetime", False, "last subscribed day", S(
            "end date", "ended at", "ended at utc", "canceled at", "cancelled at",
            "cancellation date", "end", "data zakończenia", "data zakonczenia", "do",
            "дата окончания", "окончание", "slutdatum", "enddatum", "ende", "结束日期",
        )),
        Field("mrr", "money", False, "monthly recurring amount", S(
            "mrr", "monthly recurring revenue", "monthly amount", "mrr amount", "miesięcznie",
            "ежемесячно", "månadsbelopp", "monatlich",
        )),
        Field("amount", "money", False, "amount per interval", S(
            "amount", "plan amount", "price", "plan price", "kwota", "cena", "сумма", "цена",
            "belopp", "pris", "betrag", "preis", "金额", "amount cents", "unit amount",
        )),
        Field("interval", "text", False, "billing interval", S(
            "interval", "plan interval", "billing interval", "billing period", "okres",
            "частота", "период", "intervall", "faktureringsperiod", "周期",
        )),
        Field("interval_count", "int", False, "intervals per billing", S(
            "interval count", "plan interval count", "billing interval count",
        )),
        Field("subscription_id", "id", False, "subscription id", S(
            "subscription id", "id", "subscription", "contract id", "id subskrypcji",
            "подписка", "abonnemang id",
        )),
        Field("plan", "text", False, "plan", S(
            "plan", "plan name", "product", "pakiet", "тариф", "plan namn", "tarif", "套餐",
        )),
        Field("rep", "text", False, "owner", DIMENSIONS["rep"]),
        Field("currency", "currency", False, "currency code", CURRENCY),
    ),
)

MARKETING = Table(
    name="marketing",
    description="spend and funnel numbers per date (or month) and channel/campaign",
    date_field="date",
    fields=(
        Field("date", "datetime", True, "day or month", S(
            "date", "day", "month", "week", "period", "reporting starts", "start date",
            "data", "dzień", "miesiąc", "miesiac", "дата", "день", "месяц", "datum", "dag",
            "månad", "manad", "monat", "tag", "日期", "月份", "日",
        )),
        Field("cost", "money", True, "spend", S(
            "cost", "spend", "amount spent", "actual cost", "ad spend", "spent", "budget spent",
            "koszt", "wydatki", "wydana kwota", "расход", "расходы", "затраты", "стоимость",
            "kostnad", "spenderat belopp", "kosten", "ausgaben", "花费", "消耗", "成本",
        )),
        Field("channel", "text", False, "channel / platform", S(
            "channel", "platform", "source", "network", "campaign type", "medium", "kanał",
            "kanal", "platforma", "канал", "площадка", "plattform", "渠道", "平台", "type",
        )),
        Field("campaign", "text", False, "campaign", S(
            "campaign", "campaign name", "ad set", "kampania", "кампания", "kampanj", "kampagne",
            "广告系列", "活动", "name",
        )),
        Field("currency", "currency", False, "currency code", CURRENCY),
        Field("impressions", "number", False, "impressions", S(
            "impressions", "impr", "wyświetlenia", "wyswietlenia", "показы", "visningar",
            "exponeringar", "impressionen", "展示", "曝光", "展现量",
        )),
        Field("clicks", "number", False, "clicks", S(
            "clicks", "link clicks", "clicks destination", "kliknięcia", "klikniecia", "клики",
            "переходы", "klick", "klicks", "点击", "点击量",
        )),
        Field("sessions", "number", False, "sessions", S(
            "sessions", "sesje", "сеансы", "визиты", "sessioner", "sitzungen", "会话",
        )),
        Field("visitors", "number", False, "visitors", S(
            "visitors", "users", "total users", "unique visitors", "odwiedzający",
            "uzytkownicy", "użytkownicy", "посетители", "пользователи", "besökare", "besucher",
            "访客", "用户",
        )),
        Field("engagements", "number", False, "likes + comments + shares + clicks", S(
            "engagements", "engagement", "post engagement", "interactions", "zaangażowanie",
            "вовлеченность", "engagemang", "互动",
        )),
        Field("leads", "number", False, "leads", S(
            "leads", "number of leads", "leady", "лиды", "заявки", "線索", "线索",
        )),
        Field("conversions", "number", False, "conversions / desired actions", S(
            "conversions", "results", "app installs", "konwersje", "конверсии", "konverteringar",
            "konversionen", "转化", "转化数",
        )),
        Field("attributed_revenue", "money", False, "revenue attributed to the spend", S(
            "attributed revenue", "conv value", "conversion value", "revenue", "purchase value",
            "purchases conversion value", "przychód", "wartość konwersji", "доход", "выручка",
            "ценность конверсий", "intäkt", "konverteringsvärde", "umsatz", "收入", "转化价值",
        )),
        Field("community_size", "number", False, "followers / community users", S(
            "community size", "followers", "fans", "community", "obserwujący", "подписчики",
            "följare", "follower", "粉丝",
        )),
        Field("mentions", "number", False, "brand mentions", S(
            "mentions", "brand mentions", "wzmianki", "упоминания", "omnämnanden",
            "erwähnungen", "提及",
        )),
        Field("emails_sent", "number", False, "e-mails sent", S(
            "emails sent", "e mails sent", "sent", "number sent", "delivered", "wysłane",
            "wysłane e maile", "maile wysłane", "отправлено", "отправлено писем", "skickade",
            "e post skickade", "skickade e post", "mejl skickade", "gesendet",
            "e mails gesendet", "发送邮件", "已发送",
        )),
        Field("emails_opened", "number", False, "e-mails opened", S(
            "emails opened", "e mails opened", "opens", "opened", "unique opens", "otwarte",
            "otwarte e maile", "открыто", "открыто писем", "öppnade", "e post öppnade",
            "öppnade e post", "geöffnet", "e mails geöffnet", "打开邮件", "已打开",
        )),
        Field("view_content", "number", False, "product views", S(
            "view content", "content views", "product views", "views",
        )),
        Field("add_to_cart", "number", False, "adds to cart", S(
            "add to cart", "adds to cart", "added to cart", "do koszyka", "в корзину",
        )),
        Field("initiate_checkout", "number", False, "checkouts initiated", S(
            "initiate checkout", "checkouts initiated", "initiated checkout", "begin checkout",
        )),
        Field("purchases", "number", False, "purchases", S(
            "purchases", "purchase", "zakupy", "покупки", "köp", "käufe", "购买",
        )),
    ),
)

TARGETS = Table(
    name="targets",
    description="quotas per month, quarter or year",
    date_field="period",
    fields=(
        Field("period", "period", True, "YYYY-MM, a date, YYYY-Qn, YYYY, FY<yyyy>-Qn", S(
            "period", "month", "date", "quarter", "year", "okres", "miesiąc", "miesiac",
            "период", "месяц", "период плана", "period", "månad", "manad", "monat", "zeitraum",
            "期间", "月份",
        )),
        Field("target", "money", True, "the target", S(
            "target", "quota", "goal", "plan", "sales target", "revenue target", "cel", "plan",
            "plan sprzedaży", "план", "цель", "план продаж", "mål", "budget", "säljmål", "ziel",
            "umsatzziel", "soll", "目标", "指标", "销售目标",
        )),
        Field("rep", "text", False, "the rep", DIMENSIONS["rep"]),
        Field("team", "text", False, "the team", DIMENSIONS["team"]),
        Field("metric", "text", False, "revenue / deals / leads / new_customers", S(
            "metric", "kpi", "measure", "miara", "метрика", "показатель", "mått", "kennzahl",
            "指标类型",
        )),
    ),
)

COMPETITOR_PRICES = Table(
    name="competitor_prices",
    description="our price next to competitors' prices",
    date_field=None,
    fields=(
        Field("product", "text", True, "the product", DIMENSIONS["product"]),
        Field("our_price", "money", True, "our price", S(
            "our price", "price", "my price", "own price", "nasza cena", "cena", "наша цена",
            "цена", "vårt pris", "pris", "unser preis", "我们的价格", "本店价格",
        )),
        Field("competitor_price", "money", True, "the competitor's price", S(
            "competitor price", "competitor's price", "competition price", "rival price",
            "cena konkurencji", "cena konkurenta", "цена конкурента", "konkurrentpris",
            "konkurrenzpreis", "竞品价格", "竞争对手价格",
        )),
        Field("competitor", "text", False, "the competitor", S(
            "competitor", "competitor name", "konkurent", "конкурент", "konkurrent",
            "wettbewerber", "竞争对手",
        )),
        Field("date", "date", False, "when the price was seen", S(
            "date", "checked", "data", "дата", "datum", "日期",
        )),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (ORDERS, DEALS, STAGE_HISTORY, LEADS, ACTIVITIES, SUBSCRIPTIONS, MARKETING, TARGETS,
              COMPETITOR_PRICES)
}


def _check_model() -> None:
    for table in TABLES.values():
        names = table.field_names
        assert len(set(names)) == len(names), f"{table.name}: duplicate field"
        if table.date_field:
            assert table.date_field in names, f"{table.name}: date field"
        for req, subs in table.substitutes.items():
            assert req in names and all(s in names for s in subs), f"{table.name}: substitutes"


_check_model()
