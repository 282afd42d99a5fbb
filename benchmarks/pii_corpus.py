"""A labelled helpdesk corpus for the PII benchmark, generated from a seed.

Each message is two to six sentences drawn from three pools: neutral support prose,
sentences carrying one labelled value (email, phone in US/GB/DE/FR formats, cards of
six brands, IBANs of ten countries, SSNs, IPv4/IPv6, secrets of fourteen kinds), and
hard negatives that look like PII but are not (order and ticket numbers, dates, times,
version and build strings, cards failing Luhn or outside every IIN range, invalid
IBANs and SSNs, UUIDs, git SHAs, digests, phone-like serial numbers, tracking numbers,
article URLs, amounts). Labels are the exact character spans of the values.

Every value is built from its format's rules (check digits computed, phone numbers
confirmed valid against libphonenumber's metadata), not sampled from real data, and
the same seed always yields the same corpus.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import random
import re
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import phonenumbers

from keel.governance.pii import luhn_valid
from keel.governance.pii._checksums import iban_check_digits

Label = tuple[int, int, str]


@dataclass
class Message:
    text: str
    labels: list[Label] = field(default_factory=list)


FIRST = [
    "jane",
    "john",
    "maria",
    "li",
    "ahmed",
    "sofia",
    "lukas",
    "emma",
    "noah",
    "chloe",
    "yuki",
    "omar",
    "anna",
    "pierre",
]
LAST = [
    "doe",
    "smith",
    "garcia",
    "chen",
    "khan",
    "rossi",
    "muller",
    "martin",
    "dubois",
    "tanaka",
    "silva",
    "nowak",
]
DOMAINS = [
    "gmail.com",
    "outlook.com",
    "example.org",
    "acme-corp.com",
    "mail.co.uk",
    "web.de",
    "orange.fr",
    "support.bigshop.io",
    "yahoo.com",
    "proton.me",
]

FILLER = [
    "Thanks for getting back to me so quickly.",
    "The app crashes whenever I open the settings page.",
    "I've already tried restarting the router twice.",
    "Could you escalate this to the billing team?",
    "This has been going on since last Tuesday.",
    "I'm not sure if this is the right queue for this question.",
    "The export button is greyed out for everyone on my team.",
    "Please let me know if you need anything else from me.",
    "We upgraded our plan last month but the invoice still shows the old price.",
    "Our users in the Berlin office cannot log in since this morning.",
    "Kind regards, and have a nice weekend.",
    "I followed the steps in your help article but nothing changed.",
    "The dashboard takes more than a minute to load.",
    "Is there a way to get a refund for the unused seats?",
    "Please ignore my previous message, I found the setting.",
    "The sync job failed again overnight with a timeout.",
    "We need this fixed before the quarterly close.",
    "My colleague opened a similar ticket yesterday.",
    "Can you confirm whether the outage is on your side?",
    "I attached a screenshot of the error dialog.",
    "I’ve tried clearing the cache 3 times and it didn’t help.",
    "It started around 9am and lasted about 15 minutes.",
    "We’re on the Business plan with 25 seats.",
    "Step 2 of the setup wizard never finishes.",
    "The report for Q3 is missing two columns.",
    "Our admin (Sam) says the SSO login loops back to the start page.",
    "Same problem on Windows 11 and on macOS 14.",
    "The mobile app shows a blank screen after the latest update.",
    "Is it possible to move the invoice date to the 1st of each month?",
    "I get a 403 error when I open the billing page.",
    "Thanks again — really appreciate the quick help!",
    "We have about 40 users affected, mostly in sales.",
    "Could someone call me back tomorrow between 2 and 4 pm?",
    "The CSV export has 12 rows but the dashboard shows 14.",
    "Please close this ticket, the issue is resolved.",
    "I can’t find where to change my password.",
    "The API returns 429 errors after about 100 requests per minute.",
    "Our renewal is due on the 30th and we’d like to add 5 licences.",
    "The attachment limit of 10 MB is too small for our logs.",
    "Nothing has changed on our side since Monday.",
]

PII_TEMPLATES: dict[str, list[str]] = {
    "email": [
        "You can reach me at {v}.",
        "Email: <{v}>",
        "CC my manager ({v}) on the reply.",
        "Please update my contact email to {v} as soon as possible.",
        "Send the receipt to {v}, not to my old address.",
        "The invite went to {v} but it never arrived.",
    ],
    "phone": [
        "My phone number is {v}, please call after 5pm.",
        "Tel.: {v}",
        "Mobile: {v} (WhatsApp works too)",
        "Call me back on {v} if the chat disconnects.",
        "The number on file ({v}) is outdated.",
        "You can text {v} for the verification code.",
    ],
    "card": [
        "I was charged twice on my card {v} this month.",
        "Card number: {v}, please remove it from my account.",
        "Refund it to {v} please.",
        "The payment with {v} was declined again.",
    ],
    "iban": [
        "Please wire the refund to {v}.",
        "IBAN: {v}",
        "My IBAN is {v} and the account is in my name.",
        "Direct debit from {v} failed twice.",
    ],
    "ssn": [
        "For the tax form my SSN is {v}.",
        "The payroll record shows {v} as my social security number.",
        "Please correct the SSN on file to {v}.",
    ],
    "ip": [
        "The VPN gateway at {v} keeps dropping my connection.",
        "Client {v} connected and was dropped after 30 seconds.",
        "Requests from {v} are being blocked by your firewall.",
        "Our office egress address is {v}, please allow-list it.",
    ],
    "secret": [
        "Here is the key I'm using: {v}",
        "The integration fails with {v} even though it worked yesterday.",
        "I think I leaked this in a commit: {v}",
        "Config line: {v}",
    ],
}

NEGATIVE_TEMPLATES = [
    "My order #{order} still hasn't arrived.",
    "Order {ordcode} was placed on {date}.",
    "Invoice {invoice} dated {date_eu} has the wrong VAT rate.",
    "Ticket {ticket} was closed by mistake.",
    "I'm on version {version} of the desktop app.",
    "Build {build} fails to install on Windows.",
    "The device serial number is {serial}.",
    "Tracking number {tracking} shows no movement.",
    "The charge of {money} appeared on {date}.",
    "Transaction {cardlike} failed with error {hexcode}.",
    "Reference {cardlike} is not a card, it's our internal batch id.",
    "Request id {uuid} returned a 500.",
    "This was fixed in commit {sha} according to the changelog.",
    "Short commit {shortsha} introduced the regression.",
    "The download checksum is sha256:{sha256}.",
    "The meeting is at {time} on {date}.",
    "Account {account} at sort code {sortcode} is the one we use.",
    "IMEI {imei} is the handset that was stolen.",
    "See https://help.example.com/hc/en-us/articles/{article} for the steps.",
    "The SSN field showed {badssn}, which can't be right.",
    "The IBAN field shows {badiban}, which looks wrong.",
    "Error {hexcode} appeared at {time} after the update.",
    "Part number {partno} is out of stock.",
    "We have {count} users and {count2} seats.",
    "Our username on the forum is @{handle} if that helps.",
    "The feature flag is called {identifier}.",
    "Update KB{kb} failed with code 0x{hexcode8}.",
    "This looks like CVE-{cveyear}-{cvenum} to our security team.",
    "Room {room} on floor 3 has no Wi-Fi.",
    "Call volume was {count} calls at 98.5% SLA.",
]


TYPICAL: Final = {"pii_rate": 0.05, "negative_rate": 0.10}
"""Rates for a realistic queue: a value in about one message in five, some numbers."""

SHORT_TEXTS: Final = (
    "Thanks!",
    "Refund order 1234 please",
    "Hi, I need help with my account.",
    "What is the status of ticket 88123?",
    "Done. Anything else I can help with?",
    "I'm sorry, I can't share that information.",
    "I've refunded $42.00 to your card ending 4242.",
    "The refund of 120.50 EUR was issued on 2024-03-15.",
    "Order ORD-2024-77812 shipped to the Berlin office on Monday.",
    "Your new password is set; log in at https://app.example.com/login.",
    "Look up the order and refund it if it is eligible under the 30-day policy.",
    "refund(order_id='A-1001', amount=42.0) succeeded with status ok",
    '{"order_id": "A-1001", "status": "refunded", "amount": 42.0}',
    "My card 4242 4242 4242 4242 was charged twice",
    "Please email me at jane.doe@example.com when it's done.",
    "Call me on +44 20 7946 0958 tomorrow.",
    "SSN 123-45-6789 is on file.",
    "The server 10.0.0.12 is down again since 14:30.",
    "IBAN DE89 3704 0044 0532 0130 00 please.",
    "Use api_key=sk-proj-abcdefghijklmnopqrstuvwx12 for the test.",
)
"""What the agent loop masks on every step: short prompts, answers and tool results
(7 to 80 characters), the first thirteen without PII, the last seven with one value."""


class Builder:
    """Assembles one message, recording the span of every labelled value."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.labels: list[Label] = []
        self.length = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def add_template(
        self, template: str, value: str, pii_type: str, inner: tuple[int, int]
    ) -> None:
        before, after = template.split("{v}")
        self.add(before)
        self.labels.append((self.length + inner[0], self.length + inner[1], pii_type))
        self.add(value)
        self.add(after)

    def message(self) -> Message:
        return Message("".join(self.parts), self.labels)


class Corpus:
    """Value generators; one ``random.Random`` drives them all."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def digits(self, n: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    # --- positives --------------------------------------------------------------------

    def email(self) -> str:
        f, last = self.r.choice(FIRST), self.r.choice(LAST)
        local = self.r.choice(
            [f"{f}.{last}", f"{f[0]}{last}", f"{f}_{last}{self.r.randint(1, 99)}", f"{f}+support"]
        )
        if self.r.random() < 0.2:
            local = local.capitalize()
        return f"{local}@{self.r.choice(DOMAINS)}"

    def phone(self) -> str:
        while True:
            region, text = self.r.choice([self._us, self._gb, self._de, self._fr])()
            number = phonenumbers.parse(text, None if text.startswith("+") else region)
            if phonenumbers.is_valid_number(number):
                return text

    def _us(self) -> tuple[str, str]:
        area = self.r.choice([201, 212, 213, 305, 312, 415, 503, 512, 617, 646, 702, 713, 917])
        exchange = f"{self.r.randint(2, 9)}{self.digits(2)}"
        line = self.digits(4)
        return "US", self.r.choice(
            [
                f"({area}) {exchange}-{line}",
                f"{area}-{exchange}-{line}",
                f"{area}.{exchange}.{line}",
                f"+1 {area} {exchange} {line}",
                f"+1-{area}-{exchange}-{line}",
                f"{area}{exchange}{line}",
                f"1-{area}-{exchange}-{line}",
            ]
        )

    def _gb(self) -> tuple[str, str]:
        if self.r.random() < 0.5:
            rest = f"{self.r.choice('78')}{self.digits(3)} {self.digits(4)}"
            return "GB", self.r.choice([f"020 {rest}", f"+44 20 {rest}", f"+44 (0)20 {rest}"])
        mobile = f"7{self.r.choice('4589')}{self.digits(2)} {self.digits(6)}"
        return "GB", self.r.choice([f"0{mobile}", f"+44 {mobile}"])

    def _de(self) -> tuple[str, str]:
        if self.r.random() < 0.5:
            area, rest = self.r.choice(["30", "89", "40", "69"]), self.digits(self.r.choice([7, 8]))
            return "DE", self.r.choice([f"0{area} {rest}", f"+49 {area} {rest}", f"0{area}/{rest}"])
        prefix = self.r.choice(["151", "160", "170", "171", "176", "157"])
        rest = self.digits(8 if prefix in ("151", "176", "157") else 7)
        return "DE", self.r.choice(
            [f"0{prefix} {rest}", f"+49 {prefix} {rest}", f"0{prefix}-{rest}"]
        )

    def _fr(self) -> tuple[str, str]:
        first = self.r.choice("1234567")
        pairs = [self.digits(2) for _ in range(4)]
        return "FR", self.r.choice(
            [
                f"0{first} {' '.join(pairs)}",
                f"0{first}.{'.'.join(pairs)}",
                f"+33 {first} {' '.join(pairs)}",
            ]
        )

    def card(self) -> str:
        brand = self.r.choice(["visa", "mastercard", "amex", "discover", "jcb", "diners"])
        prefix, length = {
            "visa": ("4", 16),
            "mastercard": (self.r.choice(["51", "53", "55", "2221", "2720"]), 16),
            "amex": (self.r.choice(["34", "37"]), 15),
            "discover": (self.r.choice(["6011", "65"]), 16),
            "jcb": (str(self.r.randint(3528, 3589)), 16),
            "diners": ("36", 14),
        }[brand]
        body = prefix + self.digits(length - len(prefix) - 1)
        digits = body + next(d for d in string.digits if luhn_valid(body + d))
        if brand == "amex" or brand == "diners":
            groups = [digits[:4], digits[4:10], digits[10:]]
        else:
            groups = [digits[i : i + 4] for i in range(0, length, 4)]
        return self.r.choice([" ", "-", ""]).join(groups)

    def iban(self) -> str:
        letters = string.ascii_uppercase
        alnum = letters + string.digits
        country, bban = self.r.choice(
            [
                ("DE", self.digits(18)),
                ("GB", self.chars(letters, 4) + self.digits(14)),
                ("FR", self.digits(10) + self.chars(alnum, 11) + self.digits(2)),
                ("ES", self.digits(20)),
                ("IT", self.chars(letters, 1) + self.digits(10) + self.chars(alnum, 12)),
                ("NL", self.chars(letters, 4) + self.digits(10)),
                ("BE", self.digits(12)),
                ("CH", self.digits(5) + self.chars(alnum, 12)),
                ("AT", self.digits(16)),
                ("PL", self.digits(24)),
            ]
        )
        compact = country + iban_check_digits(country, bban) + bban
        if self.r.random() < 0.35:
            return compact
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))

    def ssn_parts(self) -> str:
        area = self.r.choice([a for a in range(1, 900) if a != 666])
        return f"{area:03d}{self.r.randint(1, 99):02d}{self.r.randint(1, 9999):04d}"

    def ssn(self) -> str:
        d = self.ssn_parts()
        sep = "-" if self.r.random() < 0.85 else " "
        return f"{d[:3]}{sep}{d[3:5]}{sep}{d[5:]}"

    def ip(self) -> str:
        if self.r.random() < 0.65:
            first = self.r.choice([8, 23, 52, 81, 104, 151, 185, 203, 10, 172, 192])
            return ".".join(str(x) for x in (first, *[self.r.randint(0, 255) for _ in range(3)]))
        packed = bytes(self.r.randint(0, 255) for _ in range(16))
        if self.r.random() < 0.5:
            packed = bytes.fromhex("20010db8") + bytes(6) + packed[10:]
        return str(ipaddress.IPv6Address(packed))

    # (label text, (start, end) of the secret inside it)
    def secret(self) -> tuple[str, tuple[int, int]]:
        a = string.ascii_letters + string.digits
        kind = self.r.randrange(14)
        if kind == 0:
            v = "sk-proj-" + self.chars(a + "_-", 64)
        elif kind == 1:
            v = "sk-" + self.chars(a, 48)
        elif kind == 2:
            v = "sk-ant-api03-" + self.chars(a + "_-", 93) + "AA"
        elif kind == 3:
            v = "AKIA" + self.chars(string.ascii_uppercase + string.digits, 16)
        elif kind == 4:
            v = self.r.choice(["ghp_", "gho_"]) + self.chars(a, 36)
        elif kind == 5:
            v = "github_pat_" + self.chars(a + "_", 82)
        elif kind == 6:
            v = f"xoxb-{self.digits(12)}-{self.digits(12)}-{self.chars(a, 24)}"
        elif kind == 7:
            v = "sk_live_" + self.chars(a, 48)
        elif kind == 8:
            v = "AIza" + self.chars(a + "_-", 35)
        elif kind == 9:
            v = self.jwt()
        elif kind == 10:
            body = "\n".join(self.chars(a + "+/", 64) for _ in range(self.r.randint(3, 8)))
            v = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"
        elif kind == 11:
            token = self.chars(a, 8) + self.digits(2) + self.chars(a + "._-", 30)
            head = "Authorization: Bearer "
            return head + token, (len(head), len(head) + len(token))
        elif kind == 12:
            pw = self.chars(a, self.r.randint(6, 12)) + self.r.choice("!#$%&*") + self.digits(2)
            head = self.r.choice(["password=", "DB_PASSWORD=", "api_key: "])
            return head + pw, (len(head), len(head) + len(pw))
        else:
            v = self.chars(a, self.r.randint(32, 48))
        return v, (0, len(v))

    def jwt(self) -> str:
        def b64(obj: dict[str, object]) -> str:
            raw = json.dumps(obj, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        payload = {"sub": self.digits(8), "iat": 1_700_000_000 + self.r.randint(0, 10**7)}
        sig = self.chars(string.ascii_letters + string.digits + "_-", 43)
        return f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(payload)}.{sig}"

    # --- hard negatives ---------------------------------------------------------------

    def negatives(self) -> dict[str, Callable[[], str]]:
        hexd = "0123456789abcdef"
        return {
            "order": lambda: self.digits(self.r.choice([7, 8, 10])),
            "ordcode": lambda: f"ORD-{self.r.randint(2019, 2025)}-{self.digits(6)}",
            "date": lambda: (
                f"{self.r.randint(2019, 2025)}-{self.r.randint(1, 12):02d}-"
                f"{self.r.randint(1, 28):02d}"
            ),
            "date_eu": lambda: self.r.choice("/.").join(
                [
                    f"{self.r.randint(1, 28):02d}",
                    f"{self.r.randint(1, 12):02d}",
                    str(self.r.randint(2019, 2025)),
                ]
            ),
            "invoice": lambda: f"{self.r.randint(2019, 2025)}-{self.digits(5)}",
            "ticket": lambda: "INC" + self.digits(7),
            "version": lambda: (
                f"{self.r.randint(1, 12)}.{self.r.randint(0, 30)}.{self.r.randint(0, 9)}"
            ),
            "build": lambda: f"10.0.{self.r.randint(17000, 22631)}.{self.r.randint(100, 4000)}",
            "serial": self.serial,
            "tracking": lambda: "1Z" + self.chars(string.ascii_uppercase + string.digits, 16),
            "money": lambda: (
                self.r.choice(["$", "€", "£"])
                + f"{self.r.randint(1, 9)},{self.digits(3)}.{self.digits(2)}"
            ),
            "cardlike": self.card_like,
            "hexcode": lambda: "0x" + self.chars("0123456789ABCDEF", 8),
            "uuid": lambda: str(uuid.UUID(int=self.r.getrandbits(128))),
            "sha": lambda: self.chars(hexd, 40),
            "shortsha": lambda: self.chars(hexd, 7),
            "sha256": lambda: self.chars(hexd, 64),
            "time": lambda: (
                f"{self.r.randint(0, 23):02d}:{self.r.randint(0, 59):02d}"
                + self.r.choice(["", f":{self.r.randint(0, 59):02d}"])
            ),
            "account": lambda: self.digits(8),
            "sortcode": lambda: f"{self.digits(2)}-{self.digits(2)}-{self.digits(2)}",
            "imei": self.imei,
            "article": lambda: f"{self.digits(12)}-How-to-reset-your-password",
            "badssn": lambda: (
                self.r.choice(["000", "666", str(self.r.randint(900, 999))])
                + f"-{self.digits(2)}-{self.digits(4)}"
            ),
            "badiban": self.bad_iban,
            "partno": lambda: f"{self.digits(3)}-{self.digits(5)}-{self.digits(2)}",
            "count": lambda: f"{self.r.randint(1, 999)},{self.digits(3)}",
            "count2": lambda: str(self.r.randint(10, 5000)),
            "handle": lambda: f"{self.r.choice(FIRST)}_{self.r.choice(LAST)}",
            "kb": lambda: self.digits(7),
            "hexcode8": lambda: self.chars("0123456789ABCDEF", 8),
            "cveyear": lambda: str(self.r.randint(2019, 2025)),
            "cvenum": lambda: str(self.r.randint(1000, 49999)),
            "room": lambda: f"{self.r.randint(1, 9)}.{self.r.randint(1, 40)}",
            "identifier": lambda: self.r.choice(
                ["enableNewCheckoutFlowV2ForEnterprise", "BillingServiceTimeoutRetryHandler2"]
            ),
        }

    def serial(self) -> str:
        # Serial numbers as printed on devices: grouped in fours, or letters then digits.
        return self.r.choice(
            [
                f"SN-{self.digits(4)}-{self.digits(4)}-{self.digits(2)}",
                f"{self.digits(4)}-{self.digits(4)}-{self.digits(4)}",
                f"{self.chars(string.ascii_uppercase, 3)}{self.digits(9)}",
                f"0{self.digits(9)}",
            ]
        )

    def card_like(self) -> str:
        while True:
            digits = self.r.choice("4531") + self.digits(15)
            if not luhn_valid(digits):
                break
        if self.r.random() < 0.3:
            digits = "9" + digits[1:]  # outside every IIN range, whatever Luhn says
        return self.r.choice([" ", "-", ""]).join(digits[i : i + 4] for i in range(0, 16, 4))

    def imei(self) -> str:
        body = "35" + self.digits(12)
        return body + next(d for d in string.digits if luhn_valid(body + d))

    def bad_iban(self) -> str:
        bban = self.digits(18)
        good = iban_check_digits("DE", bban)
        bad = f"{(int(good) + self.r.randint(1, 50)) % 97 + 2:02d}"
        bad = bad if bad != good else "01"
        return " ".join(re.findall(".{1,4}", f"DE{bad}{bban}"))


def generate(
    n_messages: int = 4000, seed: int = 7, *, pii_rate: float = 0.30, negative_rate: float = 0.25
) -> list[Message]:
    """``n_messages`` labelled messages; the same arguments always give the same list.

    Each sentence carries a labelled value with probability ``pii_rate``, is a hard
    negative with probability ``negative_rate``, and is neutral prose otherwise. The
    defaults make a dense corpus for precision and recall; ``TYPICAL`` is closer to
    a real support queue.
    """
    corpus = Corpus(seed)
    r = corpus.r
    negatives = corpus.negatives()
    types = list(PII_TEMPLATES)
    out: list[Message] = []
    for _ in range(n_messages):
        b = Builder()
        for i in range(r.randint(2, 6)):
            if i:
                b.add(" ")
            roll = r.random()
            if roll >= pii_rate + negative_rate:
                b.add(r.choice(FILLER))
            elif roll < pii_rate:
                pii_type = r.choice(types)
                template = r.choice(PII_TEMPLATES[pii_type])
                if pii_type == "secret":
                    value, inner = corpus.secret()
                else:
                    value = getattr(corpus, pii_type)()
                    inner = (0, len(value))
                b.add_template(template, value, pii_type, inner)
            else:
                template = r.choice(NEGATIVE_TEMPLATES)
                b.add(re.sub(r"\{(\w+)\}", lambda m: negatives[m.group(1)](), template))
        out.append(b.message())
    return out
