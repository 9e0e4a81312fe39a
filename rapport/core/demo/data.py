"""Word lists behind the demo data: people, companies and places from several countries, a product catalogue.

The demo business is a supplier of coffee machines, beans and service plans: offices, hotels and cafés
buy machines through the sales team (deals) and re-order beans and supplies (orders).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    """Names, places and phone number shapes of one country."""

    code: str
    weight: int
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    cities: tuple[tuple[str, str, str], ...]  # (city, region, postal code prefix)
    mobile_prefixes: tuple[str, ...]  # E.164 without the digits that follow
    mobile_digits: int
    landline_prefixes: tuple[str, ...]
    landline_digits: int
    company_suffixes: tuple[str, ...]
    tlds: tuple[str, ...]
    streets: tuple[str, ...]
    postal_digits: int = 5


COUNTRIES: tuple[Country, ...] = (
    Country(
        "US", 22,
        ("James", "Mary", "Michael", "Patricia", "Robert", "Jennifer", "David", "Linda", "William", "Elizabeth",
         "Christopher", "Jessica", "Daniel", "Sarah", "Matthew", "Karen", "Anthony", "Emily", "Mark", "Ashley",
         "Joshua", "Amanda", "Kevin", "Melissa", "Brian", "Stephanie", "Tyler", "Nicole", "Aaron", "Rachel"),
        ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
         "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White",
         "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Nguyen",
         "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Campbell", "Mitchell"),
        (("New York", "NY", "100"), ("San Francisco", "CA", "941"), ("Chicago", "IL", "606"),
         ("Boston", "MA", "021"), ("Seattle", "WA", "981"), ("Austin", "TX", "787"), ("Denver", "CO", "802"),
         ("Atlanta", "GA", "303")),
        ("+1212", "+1415", "+1312", "+1617", "+1206", "+1512", "+1303", "+1404"), 7,
        ("+1212", "+1415", "+1312", "+1617", "+1206", "+1512", "+1303", "+1404"), 7,
        ("Inc.", "LLC", "Corp.", "Co."), ("com",),
        ("Main Street", "Oak Avenue", "Maple Drive", "Market Street", "Park Avenue", "Elm Street", "Broadway"),
    ),
    Country(
        "GB", 12,
        ("Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Jack", "Emily", "Charlie", "Sophie", "Thomas",
         "Grace", "Oscar", "Lily", "William", "Freya", "James", "Chloe", "Henry", "Ella"),
        ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
         "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
         "Clarke", "Hughes", "Edwards", "Turner", "Murphy"),
        (("London", "Greater London", "EC1"), ("Manchester", "Greater Manchester", "M1"), ("Bristol", "", "BS1"),
         ("Leeds", "West Yorkshire", "LS1"), ("Edinburgh", "Scotland", "EH1"), ("Birmingham", "West Midlands", "B1")),
        ("+4474", "+4475", "+4477", "+4478", "+4479"), 8,
        ("+44207", "+44161", "+44117", "+44113", "+44131", "+44121"), 7,
        ("Ltd", "Ltd", "PLC", "LLP"), ("co.uk", "com"),
        ("High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "King Street"),
    ),
    Country(
        "DE", 16,
        ("Lukas", "Anna", "Leon", "Marie", "Felix", "Sophie", "Jonas", "Lena", "Maximilian", "Laura", "Paul",
         "Julia", "Tobias", "Katharina", "Jürgen", "Sabine", "Stefan", "Claudia", "Matthias", "Jana"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
         "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
         "Braun", "Krüger", "Hofmann", "Hartmann", "Lange"),
        (("Berlin", "Berlin", "10"), ("Hamburg", "Hamburg", "20"), ("München", "Bayern", "80"),
         ("Köln", "Nordrhein-Westfalen", "50"), ("Frankfurt am Main", "Hessen", "60"), ("Stuttgart", "Baden-Württemberg", "70"),
         ("Leipzig", "Sachsen", "04"), ("Düsseldorf", "Nordrhein-Westfalen", "40")),
        ("+49151", "+49152", "+49160", "+49170", "+49171", "+49176"), 8,
        ("+4930", "+4940", "+4989", "+49221", "+4969", "+49711"), 8,
        ("GmbH", "GmbH", "AG", "GmbH & Co. KG"), ("de",),
        ("Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Gartenweg", "Lindenallee", "Goethestraße"),
    ),
    Country(
        "FR", 10,
        ("Gabriel", "Emma", "Louis", "Jade", "Raphaël", "Louise", "Jules", "Alice", "Hugo", "Chloé", "Arthur",
         "Léa", "Lucas", "Manon", "Nathan", "Camille", "Théo", "Inès", "Antoine", "Élodie"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
         "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"),
        (("Paris", "Île-de-France", "750"), ("Lyon", "Auvergne-Rhône-Alpes", "690"),
         ("Marseille", "Provence-Alpes-Côte d'Azur", "130"), ("Toulouse", "Occitanie", "310"),
         ("Bordeaux", "Nouvelle-Aquitaine", "330"), ("Lille", "Hauts-de-France", "590")),
        ("+336", "+337"), 8,
        ("+331", "+334", "+335"), 8,
        ("SAS", "SARL", "SA"), ("fr",),
        ("rue de la République", "avenue Victor Hugo", "rue Pasteur", "boulevard Voltaire", "rue du Moulin"),
    ),
    Country(
        "ES", 6,
        ("Hugo", "Lucía", "Martín", "Sofía", "Pablo", "María", "Alejandro", "Paula", "Daniel", "Carmen", "Javier",
         "Elena", "Diego", "Marta", "Sergio", "Laura"),
        ("García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín",
         "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Álvarez"),
        (("Madrid", "Comunidad de Madrid", "280"), ("Barcelona", "Cataluña", "080"), ("Valencia", "Comunidad Valenciana", "460"),
         ("Sevilla", "Andalucía", "410"), ("Bilbao", "País Vasco", "480")),
        ("+346",), 8,
        ("+3491", "+3493", "+3496"), 7,
        ("S.L.", "S.A."), ("es",),
        ("Calle Mayor", "Gran Vía", "Calle de Alcalá", "Avenida de la Constitución", "Calle Real"),
    ),
    Country(
        "IT", 6,
        ("Leonardo", "Sofia", "Francesco", "Giulia", "Alessandro", "Aurora", "Lorenzo", "Alice", "Matteo", "Ginevra",
         "Andrea", "Chiara", "Marco", "Francesca", "Luca", "Elena"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
         "Bruno", "Gallo", "Conti", "De Luca", "Costa", "Giordano"),
        (("Milano", "Lombardia", "201"), ("Roma", "Lazio", "001"), ("Torino", "Piemonte", "101"),
         ("Bologna", "Emilia-Romagna", "401"), ("Firenze", "Toscana", "501"), ("Napoli", "Campania", "801")),
        ("+39320", "+39333", "+39340", "+39347", "+39366"), 7,
        ("+3902", "+3906", "+39011"), 8,
        ("S.r.l.", "S.p.A."), ("it",),
        ("Via Roma", "Via Garibaldi", "Corso Italia", "Via Mazzini", "Via Dante"),
    ),
    Country(
        "NL", 5,
        ("Daan", "Emma", "Sem", "Julia", "Lucas", "Mila", "Levi", "Tess", "Finn", "Sophie", "Bram", "Anouk",
         "Thijs", "Fleur", "Jesse", "Lotte"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit",
         "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters"),
        (("Amsterdam", "Noord-Holland", "10"), ("Rotterdam", "Zuid-Holland", "30"), ("Utrecht", "Utrecht", "35"),
         ("Den Haag", "Zuid-Holland", "25"), ("Eindhoven", "Noord-Brabant", "56")),
        ("+316",), 8,
        ("+3120", "+3110", "+3130"), 7,
        ("B.V.", "B.V.", "N.V."), ("nl",),
        ("Kerkstraat", "Dorpsstraat", "Stationsweg", "Molenweg", "Keizersgracht"),
        4,
    ),
    Country(
        "SE", 3,
        ("William", "Alice", "Liam", "Maja", "Noah", "Elsa", "Hugo", "Astrid", "Oscar", "Saga", "Erik", "Ingrid"),
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
         "Gustafsson", "Lindberg", "Lindström"),
        (("Stockholm", "Stockholms län", "111"), ("Göteborg", "Västra Götaland", "411"), ("Malmö", "Skåne", "211")),
        ("+4670", "+4672", "+4673", "+4676"), 7,
        ("+468", "+4631", "+4640"), 7,
        ("AB",), ("se",),
        ("Storgatan", "Drottninggatan", "Kungsgatan", "Sveavägen"),
    ),
    Country(
        "PL", 4,
        ("Jakub", "Zuzanna", "Antoni", "Julia", "Jan", "Maja", "Szymon", "Hanna", "Filip", "Zofia", "Piotr",
         "Agnieszka", "Tomasz", "Katarzyna"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
         "Szymański", "Woźniak", "Dąbrowski", "Kozłowski"),
        (("Warszawa", "mazowieckie", "00"), ("Kraków", "małopolskie", "30"), ("Wrocław", "dolnośląskie", "50"),
         ("Gdańsk", "pomorskie", "80"), ("Poznań", "wielkopolskie", "60")),
        ("+4850", "+4851", "+4853", "+4860", "+4869", "+4872", "+4879", "+4888"), 7,
        ("+4822", "+4812", "+4871"), 7,
        ("Sp. z o.o.", "S.A."), ("pl",),
        ("ul. Marszałkowska", "ul. Długa", "ul. Polna", "ul. Kościuszki", "ul. Mickiewicza"),
    ),
    Country(
        "BR", 4,
        ("Miguel", "Helena", "Arthur", "Alice", "Gael", "Laura", "Heitor", "Valentina", "Theo", "Manuela", "Rafael",
         "Beatriz", "João", "Mariana"),
        ("Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes",
         "Costa", "Ribeiro", "Carvalho", "Almeida"),
        (("São Paulo", "SP", "01"), ("Rio de Janeiro", "RJ", "20"), ("Belo Horizonte", "MG", "30"),
         ("Curitiba", "PR", "80"), ("Porto Alegre", "RS", "90")),
        ("+55119", "+55219", "+55319", "+55419", "+55519"), 8,
        ("+55113", "+55213", "+55313"), 7,
        ("Ltda.", "S.A."), ("com.br",),
        ("Rua Augusta", "Avenida Paulista", "Rua das Flores", "Rua XV de Novembro"),
    ),
    Country(
        "JP", 3,
        ("Haruto", "Yui", "Sota", "Hina", "Yuto", "Sakura", "Ren", "Aoi", "Takumi", "Mei", "Kenji", "Yuki"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato",
         "Yoshida", "Yamada"),
        (("Tokyo", "Tokyo", "100"), ("Osaka", "Osaka", "530"), ("Yokohama", "Kanagawa", "220"), ("Kyoto", "Kyoto", "600")),
        ("+8190", "+8180", "+8170"), 8,
        ("+813", "+816"), 8,
        ("K.K.", "Co., Ltd."), ("co.jp", "jp"),
        ("Chuo-dori", "Meiji-dori", "Sakura-dori"),
        7,
    ),
    Country(
        "IN", 4,
        ("Aarav", "Ananya", "Vivaan", "Diya", "Aditya", "Saanvi", "Arjun", "Aadhya", "Rohan", "Priya", "Rahul",
         "Kavya", "Vikram", "Neha"),
        ("Sharma", "Verma", "Gupta", "Patel", "Singh", "Kumar", "Reddy", "Iyer", "Nair", "Mehta", "Joshi", "Rao",
         "Das", "Bose"),
        (("Bengaluru", "Karnataka", "560"), ("Mumbai", "Maharashtra", "400"), ("New Delhi", "Delhi", "110"),
         ("Pune", "Maharashtra", "411"), ("Hyderabad", "Telangana", "500")),
        ("+919", "+918", "+917"), 9,
        ("+9180", "+9122", "+9111"), 8,
        ("Pvt Ltd", "Ltd"), ("in", "co.in"),
        ("MG Road", "Brigade Road", "Park Street", "Linking Road"),
        6,
    ),
)

# Industry → words that make a plausible company name in that industry.
INDUSTRIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Hospitality", ("Hotels", "Hotel Group", "Hospitality", "Resorts", "Inns")),
    ("Food and beverage", ("Roasters", "Bakery", "Cafés", "Kitchens", "Foods", "Bistro")),
    ("Office services", ("Workspace", "Offices", "Coworking", "Business Centre", "Facilities")),
    ("Software", ("Software", "Labs", "Systems", "Digital", "Technologies", "Analytics")),
    ("Consulting", ("Consulting", "Partners", "Advisors", "Group", "Associates")),
    ("Healthcare", ("Clinic", "Health", "Medical Centre", "Care", "Dental")),
    ("Education", ("Academy", "School", "Learning", "Institute", "College")),
    ("Retail", ("Stores", "Market", "Outlet", "Boutique", "Retail")),
    ("Manufacturing", ("Manufacturing", "Works", "Industries", "Engineering", "Components")),
    ("Logistics", ("Logistics", "Freight", "Transport", "Shipping", "Couriers")),
    ("Legal and finance", ("Law", "Legal", "Capital", "Accounting", "Finance")),
    ("Real estate", ("Properties", "Real Estate", "Estates", "Living", "Homes")),
)

NAME_WORDS: tuple[str, ...] = (
    "Northwind", "Bluebird", "Summit", "Harbor", "Alpine", "Riverside", "Evergreen", "Lighthouse", "Oakwood",
    "Silverline", "Granite", "Brightside", "Meridian", "Horizon", "Sterling", "Cedar", "Falcon", "Juniper",
    "Atlas", "Beacon", "Copperfield", "Redwood", "Stonebridge", "Willow", "Aurora", "Pioneer", "Keystone",
    "Crescent", "Orchard", "Vista", "Cobalt", "Maple", "Tidewater", "Westfield", "Highland", "Lakeside",
    "Ironwood", "Sunrise", "Greenleaf", "Blackstone", "Clearwater", "Fairview", "Starling", "Windmill",
)

TITLES: tuple[str, ...] = (
    "Office Manager", "Facility Manager", "Head of Purchasing", "Purchasing Manager", "CEO", "Managing Director",
    "Operations Manager", "Executive Assistant", "Hotel Manager", "Food and Beverage Manager", "Owner",
    "Head Barista", "HR Manager", "CFO", "Workplace Experience Lead", "Procurement Specialist", "",
)

SIZES: tuple[str, ...] = ("1-9", "1-9", "10-49", "10-49", "10-49", "50-249", "50-249", "250-999", "1000+")

TAGS: tuple[str, ...] = ("VIP", "Newsletter", "Trade fair 2025", "Key account", "Partner", "Reseller", "Sustainability")

# (sku, name, description, unit price, kind): kind "machine"/"service" sells on deals, "consumable" re-orders.
PRODUCTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("MCH-BP2", "Barista Pro 2 espresso machine", "Two-group espresso machine for cafés and busy offices.", "2490.00", "machine"),
    ("MCH-OB500", "OfficeBrew 500 bean-to-cup", "Fully automatic machine for up to 150 cups a day.", "3900.00", "machine"),
    ("MCH-CLX3", "CaféLine X3 dual boiler", "Three-group dual boiler machine for hotels and restaurants.", "6800.00", "machine"),
    ("MCH-G40", "Compact Grinder G40", "On-demand grinder with stepless adjustment.", "590.00", "machine"),
    ("MCH-AQP", "AquaPure water filter system", "Water softening and filtering for one machine.", "320.00", "machine"),
    ("SRV-BASIC", "Service plan Basic (12 months)", "Yearly maintenance visit and phone support.", "480.00", "service"),
    ("SRV-PREM", "Service plan Premium (12 months)", "Two visits a year, next-day repair, loan machine.", "1200.00", "service"),
    ("SRV-INST", "Installation and set-up", "Delivery, installation, water connection and first calibration.", "350.00", "service"),
    ("SRV-TRAIN", "Barista training (half day)", "Hands-on training for up to six people.", "420.00", "service"),
    ("SRV-RENT", "Machine rental (monthly)", "OfficeBrew 500 with service included, per month.", "149.00", "service"),
    ("BEA-HOUSE", "House blend beans 1 kg", "Medium roast, chocolate and hazelnut.", "18.50", "consumable"),
    ("BEA-FORTE", "Espresso Forte beans 1 kg", "Dark roast with 20 % robusta for a thick crema.", "21.90", "consumable"),
    ("BEA-ETH", "Ethiopia Yirgacheffe beans 1 kg", "Single origin, light roast, floral and citrus.", "29.00", "consumable"),
    ("BEA-COL", "Colombia Supremo beans 1 kg", "Single origin, medium roast, caramel.", "23.50", "consumable"),
    ("BEA-PERU", "Organic Peru beans 1 kg", "Organic and fair trade, medium roast.", "25.00", "consumable"),
    ("BEA-DECAF", "Decaf Swiss Water beans 1 kg", "Decaffeinated without solvents.", "24.00", "consumable"),
    ("GRD-FILT", "Ground filter coffee 500 g", "For filter machines and French press.", "9.90", "consumable"),
    ("DRK-CHAI", "Chai latte powder 1 kg", "Spiced black tea blend.", "16.00", "consumable"),
    ("DRK-CHOC", "Hot chocolate 1 kg", "32 % cocoa, made with milk.", "14.50", "consumable"),
    ("SUP-OAT", "Oat milk barista 12 × 1 l", "Foams like dairy milk.", "27.60", "consumable"),
    ("SUP-CUPS", "Paper cups 8 oz (1,000)", "Compostable, with lids.", "39.00", "consumable"),
    ("SUP-CLEAN", "Milk system cleaner 1 l", "Daily cleaning of milk lines.", "12.90", "consumable"),
    ("SUP-DESC", "Descaling tablets (10)", "For all our machines.", "11.50", "consumable"),
    ("SUP-BRUSH", "Cleaning brush set", "Group head and steam wand brushes.", "19.90", "consumable"),
    ("ACC-TAMP", "Tamper 58 mm", "Stainless steel, ergonomic handle.", "45.00", "consumable"),
    ("ACC-JUG", "Milk jug 600 ml", "Stainless steel with latte art spout.", "22.00", "consumable"),
    ("ACC-KNOCK", "Knock box", "For used coffee pucks.", "34.00", "consumable"),
)

LOST_REASONS: tuple[str, ...] = (
    "Price too high", "Chose a competitor", "No budget this year", "Project postponed", "No decision maker reached",
    "Went with a rental offer elsewhere", "Machine too large for the space",
)
DISQUALIFY_REASONS: tuple[str, ...] = (
    "Not a business customer", "Too small for a machine", "Outside our delivery area", "Duplicate enquiry",
    "Student project", "No response after three attempts",
)
LEAD_NEEDS: tuple[str, ...] = (
    "Espresso machine for a new office", "Bean-to-cup for 40 staff", "Replace old machine", "Coffee for hotel breakfast",
    "Service plan for existing machine", "Barista training for new café team", "Monthly bean subscription",
    "Rental instead of purchase", "Second machine for the meeting floor", "Sustainable beans for canteen",
)
CALL_SUBJECTS: tuple[str, ...] = (
    "Intro call", "Discussed requirements", "Follow-up on offer", "Checked delivery date", "Asked about service plan",
    "Price negotiation", "Reference call", "Re-order reminder", "Feedback on trial machine",
)
MEETING_SUBJECTS: tuple[str, ...] = (
    "Tasting session", "Site visit", "Demo of the OfficeBrew 500", "Contract review", "Quarterly review",
    "Installation planning", "Kick-off with facility team",
)
TASK_SUBJECTS: tuple[str, ...] = (
    "Send offer", "Send revised quote", "Call back about delivery", "Prepare tasting samples", "Book installation",
    "Check payment", "Send service contract", "Follow up after demo", "Ask for reference", "Confirm meeting",
)
NOTE_SUBJECTS: tuple[str, ...] = (
    "Prefers email over phone", "Budget approved for Q3", "Decision with the CFO", "Uses oat milk only",
    "Office moves in spring", "Happy with the last delivery",
)
EMAIL_SUBJECTS: tuple[str, ...] = (
    "Offer attached", "Your tasting appointment", "Order confirmation", "Invoice question", "Service visit scheduled",
)
LOCATIONS: tuple[str, ...] = ("Customer office", "Our showroom", "Video call", "Café on site", "Hotel lobby")
PERSONAL_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org")

# Characters that NFKD does not reduce to ASCII.
ASCII_FOLD = {"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE", "đ": "d"}
