"""What synthetic records are made of: kinds, statuses, topics, names, capitals and weights."""

from app.vocabulary import SYNTHETIC_PREFIX as PREFIX

SOURCE_ID = f"{PREFIX}source"

KINDS: dict[str, tuple[str, int]] = {
    # kind: (how titles name it, weight)
    "mou": ("Memorandum of understanding", 30),
    "agreement": ("Agreement", 25),
    "cooperation-programme": ("Programme of cooperation", 8),
    "joint-statement": ("Joint statement", 8),
    "protocol": ("Protocol", 8),
    "letter-of-intent": ("Letter of intent", 6),
    "treaty": ("Treaty", 5),
    "declaration": ("Declaration", 5),
    "exchange-of-notes": ("Exchange of notes", 5),
}
STATUSES = (("signed", 70), ("in-force", 15), ("agreed", 6), ("adopted", 5), ("expired", 4))
SECTOR_TOPICS: dict[str, tuple[str, ...]] = {
    "politics-diplomacy": (
        "political consultations between the ministries of foreign affairs",
        "the establishment of a strategic partnership",
        "visa exemption for holders of diplomatic and service passports",
    ),
    "multilateral-cooperation": ("coordination within the United Nations and other forums",),
    "energy": ("cooperation in the energy sector", "energy security"),
    "oil-and-gas": (
        "cooperation in the oil and gas sector",
        "joint exploration of offshore oil and gas fields",
        "the supply of crude oil and refined products",
    ),
    "renewable-energy": (
        "cooperation in renewable energy",
        "the development of solar and wind power",
        "green hydrogen",
    ),
    "defence": ("defence cooperation", "military education and training"),
    "defence-industry": ("military-technical cooperation", "defence industry cooperation"),
    "security": (
        "combating transnational organised crime",
        "cooperation in the fight against terrorism",
        "cybersecurity cooperation",
    ),
    "justice": (
        "mutual legal assistance in criminal matters",
        "the transfer of sentenced persons",
        "cooperation between the ministries of justice",
    ),
    "science-technology": ("scientific and technical cooperation", "cooperation in space research"),
    "digital": (
        "cooperation in digital development",
        "information and communication technologies",
    ),
    "transport": ("international road transport", "cooperation in transport"),
    "logistics": ("transit and logistics", "the development of a multimodal transport corridor"),
    "railway": ("railway transport", "international railway traffic"),
    "maritime": ("merchant shipping", "maritime transport"),
    "trade-investment": (
        "the promotion and reciprocal protection of investments",
        "the avoidance of double taxation",
        "trade and economic cooperation",
    ),
    "industry": ("industrial cooperation",),
    "processing-manufacturing": ("cooperation in processing and manufacturing",),
    "agriculture": (
        "cooperation in agriculture",
        "plant protection and quarantine",
        "veterinary cooperation",
    ),
    "education": (
        "cooperation in education",
        "the mutual recognition of diplomas and academic degrees",
    ),
    "training": ("the training of specialists", "vocational training"),
    "culture": ("cultural cooperation", "the protection of cultural heritage"),
    "sports": ("cooperation in physical culture and sports",),
    "tourism": ("cooperation in tourism",),
    "people-to-people": ("youth exchanges", "people-to-people exchanges"),
}
MINISTRIES = (
    ("economy", "Ministry of Economy"),
    ("energy", "Ministry of Energy"),
    ("trade", "Ministry of Industry and Trade"),
    ("defence", "Ministry of Defence"),
    ("justice", "Ministry of Justice"),
    ("education", "Ministry of Education and Science"),
    ("culture", "Ministry of Culture"),
    ("transport", "Ministry of Transport"),
    ("agriculture", "Ministry of Agriculture"),
    ("digital", "Ministry of Digital Development"),
)
COMPANIES = (
    ("oil", "National Oil Company"),
    ("rail", "State Railways"),
    ("invest", "Investment Holding"),
    ("power", "Power Grid Corporation"),
    ("air", "National Airlines"),
)
GIVEN = (
    "Amina", "Carlos", "Mei", "Olga", "Ahmed", "Lars", "Priya", "Jean", "Kwame", "Sofia",
    "Dmitri", "Hana", "Luis", "Fatima", "Kenji", "Elena", "Omar", "Ana", "Thabo", "Ingrid",
    "José", "Zoë", "Łukasz", "Şükrü", "Nguyễn Văn", "Chloé", "Björn", "Aigerim", "Rashid",
    "Marta", "Tomás", "Leila", "Yusuf", "Irina", "Mateo", "Ama", "Hiroshi", "Nadia", "Pedro",
)  # fmt: skip
FAMILY = (
    "Okafor", "Silva", "Chen", "Ivanova", "Haddad", "Andersen", "Sharma", "Dubois", "Mensah",
    "Rossi", "Petrov", "Kim", "García", "Al-Sayed", "Tanaka", "Novak", "Nasser", "Pereira",
    "Ndlovu", "Johansson", "Müller", "Đặng", "Kowalski", "Yılmaz", "Hồ", "Nazarbayeva",
    "Aliyev", "Fernández", "Kovačević", "Schmidt", "Mbeki", "Sato", "Hussein", "Orlova",
)  # fmt: skip
LEADER_TITLES = (("President", 55), ("Prime Minister", 35), ("King", 5), ("Chancellor", 5))
VISIT_KINDS = (("state", 30), ("official", 50), ("working", 20))
CAPITALS = {
    "US": "Washington", "CN": "Beijing", "RU": "Moscow", "FR": "Paris", "DE": "Berlin",
    "GB": "London", "JP": "Tokyo", "IN": "New Delhi", "BR": "Brasília", "TR": "Ankara",
    "IT": "Rome", "ES": "Madrid", "KR": "Seoul", "CA": "Ottawa", "AU": "Canberra",
    "MX": "Mexico City", "ID": "Jakarta", "SA": "Riyadh", "AE": "Abu Dhabi", "EG": "Cairo",
    "ZA": "Pretoria", "NG": "Abuja", "KE": "Nairobi", "ET": "Addis Ababa", "AR": "Buenos Aires",
    "CL": "Santiago", "CO": "Bogotá", "PE": "Lima", "VN": "Hà Nội", "TH": "Bangkok",
    "MY": "Kuala Lumpur", "SG": "Singapore", "PH": "Manila", "PK": "Islamabad", "IR": "Tehran",
    "IQ": "Baghdad", "IL": "Jerusalem", "UA": "Kyiv", "PL": "Warsaw", "NL": "Amsterdam",
    "BE": "Brussels", "SE": "Stockholm", "NO": "Oslo", "FI": "Helsinki", "DK": "Copenhagen",
    "AT": "Vienna", "CH": "Bern", "CZ": "Prague", "HU": "Budapest", "RO": "Bucharest",
    "GR": "Athens", "PT": "Lisbon", "IE": "Dublin", "KZ": "Astana", "UZ": "Tashkent",
    "AZ": "Baku", "GE": "Tbilisi", "AM": "Yerevan", "BY": "Minsk", "RS": "Belgrade",
    "HR": "Zagreb", "BG": "Sofia", "QA": "Doha", "KW": "Kuwait City", "MA": "Rabat",
    "DZ": "Algiers", "TN": "Tunis", "GH": "Accra", "SN": "Dakar", "CI": "Yamoussoukro",
    "NZ": "Wellington", "BD": "Dhaka", "LK": "Colombo", "MN": "Ulaanbaatar", "CU": "Havana",
    "VE": "Caracas", "KP": "Pyongyang", "LA": "Vientiane", "KH": "Phnom Penh", "MM": "Naypyidaw",
}  # fmt: skip
# The busiest parties first; the rest of the world follows in a seeded order.
BUSY = ("US", "CN", "RU", "FR", "DE", "GB", "JP", "IN", "TR", "BR", "IT", "KR", "AZ", "VN")
