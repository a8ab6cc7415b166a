#include "generate/ListingGenerator.h"

#include "benchmarks/BenchmarkTable.h"
#include "common/JsonQt.h"

#include <QIODevice>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <vector>

namespace dealscope {

namespace {

struct Noun
{
    const char *noun; // what the title calls the business; contains an inference keyword
    const char *industry; // exact industry name of the benchmark table, or nullptr
};

struct SectorSpec
{
    const char *sector;
    int weight; // share of listings, roughly BizBuySell's mix
    std::vector<Noun> nouns;
};

const SectorSpec kSectors[] = {
    { "Service Businesses", 20,
        { { "Commercial Cleaning Company", "Cleaning Businesses" },
            { "Landscaping Company", "Landscaping and Yard Service Businesses" },
            { "Pest Control Business", "Pest Control Businesses" }, { "Laundromat", "Laundromats and Coin Laundry" },
            { "Dry Cleaner", "Dry Cleaners" }, { "Staffing Agency", "Staffing Agencies" },
            { "Locksmith Business", "Locksmith Businesses" },
            { "Property Management Firm", "Property Management Businesses" }, { "Pool Service Route", nullptr },
            { "Catering Company", "Catering Companies" } } },
    { "Food and Restaurants", 15,
        { { "Pizzeria", "Restaurants" }, { "Family Restaurant", "Restaurants" },
            { "Coffee Shop", "Coffee Shops and Cafes" }, { "Bakery", "Bakeries" }, { "Sports Bar and Grill", nullptr },
            { "Food Truck", "Food Trucks" }, { "Ice Cream Shop", "Ice Cream and Frozen Yogurt Shops" },
            { "Juice Bar", "Juice Bars" }, { "Craft Brewery", "Breweries" }, { "Taco Restaurant", "Restaurants" } } },
    { "Retail", 10,
        { { "Liquor Store", "Liquor Stores" }, { "Convenience Store", "Convenience Stores" },
            { "Flower Shop", "Flower Shops" }, { "Jewelry Store", "Jewelry Stores" }, { "Bike Shop", "Bike Shops" },
            { "Clothing Boutique", "Clothing and Accessory Stores" }, { "Garden Center", "Nursery and Garden Centers" },
            { "Vending Route", "Vending Machine Businesses" }, { "Pharmacy", "Pharmacies" } } },
    { "Building and Construction", 8,
        { { "HVAC Company", "HVAC Businesses" }, { "Plumbing Business", "Plumbing Businesses" },
            { "Roofing Contractor", nullptr }, { "Electrical Contractor", "Electrical and Mechanical Contracting" },
            { "Concrete Contractor", "Concrete Businesses" }, { "Remodeling Company", nullptr },
            { "Hardware Store", "Building Material and Hardware Stores" } } },
    { "Health Care and Fitness", 6,
        { { "Dental Practice", "Dental Practices" }, { "Fitness Center", "Gyms and Fitness Centers" },
            { "Home Health Care Agency", "Home Health Care Businesses" }, { "Medical Practice", "Medical Practices" },
            { "Yoga Studio", nullptr }, { "Physical Therapy Clinic", nullptr } } },
    { "Automotive and Boat", 6,
        { { "Auto Repair Shop", "Auto Repair and Service Shops" }, { "Car Wash", "Car Washes" },
            { "Towing Company", "Towing Companies" }, { "Gas Station", "Gas Stations" },
            { "Marine Service Center", "Marine/Boat Service and Dealers" }, { "Collision Center", nullptr } } },
    { "Manufacturing", 5,
        { { "CNC Machine Shop", "Machine Shops and Tool Manufacturers" },
            { "Metal Fabrication Company", "Metal Product Manufacturers" },
            { "Sign Company", "Sign Manufacturers and Businesses" },
            { "Packaging Manufacturer", "Packaging Businesses" },
            { "Commercial Printing Company", "Paper Manufacturers and Printing Businesses" },
            { "Furniture Manufacturer", "Furniture and Fixture Manufacturers" } } },
    { "Online and Technology", 5,
        { { "E-Commerce Store", "Websites and Ecommerce Businesses" }, { "SaaS Company", "Software and App Companies" },
            { "IT Services Provider", "IT and Software Service Businesses" },
            { "Web Design Agency", "Graphic and Web Design Businesses" },
            { "Phone Repair Shop", "Cell Phone and Computer Repair" },
            { "Amazon FBA Brand", "Websites and Ecommerce Businesses" } } },
    { "Beauty and Personal Care", 4,
        { { "Hair Salon", "Hair Salons and Barber Shops" }, { "Barber Shop", "Hair Salons and Barber Shops" },
            { "Nail Salon", "Nail Salons" }, { "Day Spa", "Spas" }, { "Massage Studio", "Massage Businesses" },
            { "Tanning Salon", "Tanning Salons" } } },
    { "Transportation and Storage", 4,
        { { "Trucking Company", "Trucking Companies" },
            { "Self Storage Facility", "Storage Facilities and Warehouses" },
            { "Moving Company", "Moving and Shipping Businesses" },
            { "Limousine Service", "Limo and Passenger Transportation" }, { "FedEx Ground Route", nullptr } } },
    { "Wholesale and Distributors", 4,
        { { "Wholesale Distributor", "Durable Goods Wholesalers and Distributors" },
            { "Wholesale Food Distributor", "Nondurable Goods Wholesalers and Distributors" },
            { "Bread Route", nullptr } } },
    { "Education and Children", 3,
        { { "Child Care Center", "Day Care and Child Care Centers" }, { "Preschool", "Preschools" },
            { "Tutoring Center", nullptr }, { "Driving School", "Schools" } } },
    { "Entertainment and Recreation", 3,
        { { "Bowling Alley", "Bowling Alleys" }, { "Event Venue", "Banquet Halls" },
            { "Marina", "Marinas and Fishing" }, { "Golf Course", "Golf Courses and Services" },
            { "Escape Room", nullptr }, { "Art Gallery", "Art Galleries" } } },
    { "Financial Services", 3,
        { { "Insurance Agency", "Insurance Agencies" }, { "Accounting Practice", "Accounting and Tax Practices" },
            { "Tax Preparation Business", "Accounting and Tax Practices" }, { "Bookkeeping Firm", nullptr } } },
    { "Pet Services", 2,
        { { "Pet Grooming Salon", "Pet Grooming Businesses" }, { "Dog Boarding Kennel", "Pet Boarding Businesses" },
            { "Pet Store", "Pet Stores and Supply Businesses" } } },
    { "Communication and Media", 2,
        { { "Video Production Company", "Production Companies" }, { "Local Magazine", "Magazines and Newspapers" },
            { "Radio Station", nullptr } } },
};

// Real cities (facts) for made-up businesses.
const char *const kCities[][2] = {
    { "Austin", "TX" },
    { "Dallas", "TX" },
    { "Houston", "TX" },
    { "San Antonio", "TX" },
    { "Phoenix", "AZ" },
    { "Tucson", "AZ" },
    { "Denver", "CO" },
    { "Boulder", "CO" },
    { "Orlando", "FL" },
    { "Tampa", "FL" },
    { "Miami", "FL" },
    { "Jacksonville", "FL" },
    { "Sarasota", "FL" },
    { "Atlanta", "GA" },
    { "Savannah", "GA" },
    { "Charlotte", "NC" },
    { "Raleigh", "NC" },
    { "Nashville", "TN" },
    { "Knoxville", "TN" },
    { "Columbus", "OH" },
    { "Cleveland", "OH" },
    { "Chicago", "IL" },
    { "Naperville", "IL" },
    { "Detroit", "MI" },
    { "Grand Rapids", "MI" },
    { "Minneapolis", "MN" },
    { "Milwaukee", "WI" },
    { "Kansas City", "MO" },
    { "St. Louis", "MO" },
    { "Omaha", "NE" },
    { "Seattle", "WA" },
    { "Spokane", "WA" },
    { "Portland", "OR" },
    { "Boise", "ID" },
    { "Salt Lake City", "UT" },
    { "Las Vegas", "NV" },
    { "Reno", "NV" },
    { "San Diego", "CA" },
    { "Sacramento", "CA" },
    { "Fresno", "CA" },
    { "Los Angeles", "CA" },
    { "Boston", "MA" },
    { "Worcester", "MA" },
    { "Providence", "RI" },
    { "Hartford", "CT" },
    { "Albany", "NY" },
    { "Buffalo", "NY" },
    { "Philadelphia", "PA" },
    { "Pittsburgh", "PA" },
    { "Baltimore", "MD" },
    { "Richmond", "VA" },
    { "Virginia Beach", "VA" },
    { "Charleston", "SC" },
    { "Birmingham", "AL" },
    { "New Orleans", "LA" },
    { "Oklahoma City", "OK" },
    { "Albuquerque", "NM" },
    { "Des Moines", "IA" },
    { "Louisville", "KY" },
    { "Anchorage", "AK" },
};

const char *const kAdjectives[] = { "Profitable", "Established", "Turnkey", "Well-Run", "Growing", "Semi-Absentee",
    "Highly Rated", "Long-Standing", "Family-Owned", "Award-Winning", "Thriving", "Recession-Resistant" };
const char *const kTitleTails[]
    = { "for Sale", "with Loyal Customers", "- Owner Retiring", "with Strong Cash Flow", "- SBA Pre-Qualified",
          "in Prime Location", "with Recurring Revenue", "- Motivated Seller", "with Trained Staff", "" };
const char *const kFeatures[] = {
    "Trained staff run day-to-day operations",
    "Most revenue comes from repeat customers",
    "The lease runs for seven more years with an option to renew",
    "Equipment was replaced within the last three years",
    "Online reviews average 4.8 stars",
    "There is room to grow with marketing and extended hours",
    "Clean books and tax returns are available to qualified buyers",
    "No single customer accounts for more than 10% of sales",
    "Systems and procedures are documented",
    "The seller works about 20 hours a week in the business",
};
const char *const kReasons[] = {
    "The owner is retiring.",
    "The owner is relocating out of state.",
    "The owner has other business interests.",
    "The seller will train the new owner for four weeks.",
    "Seller financing is available to a qualified buyer.",
    "Partnership dissolution.",
};

template <typename T, size_t N> const T &pick(DeterministicRandom &random, const T (&items)[N])
{
    return items[random.below(N)];
}

// Asking prices are quoted in round numbers.
qint64 roundPrice(double value)
{
    const qint64 step = value < 100'000 ? 500 : value < 1'000'000 ? 5'000 : value < 5'000'000 ? 25'000 : 100'000;
    const qint64 steps = static_cast<qint64>(value / static_cast<double>(step) + 0.5);
    return std::max<qint64>(step, steps * step);
}

qint64 whole(double value)
{
    return static_cast<qint64>(value + 0.5);
}

QByteArray money(qint64 v)
{
    QByteArray digits = QByteArray::number(v);
    QByteArray out = "$";
    const qsizetype n = digits.size();
    for (qsizetype i = 0; i < n; ++i) {
        out += digits[i];
        if ((n - i - 1) % 3 == 0 && i != n - 1)
            out += ',';
    }
    return out;
}

QByteArray csvField(const QString &text)
{
    QByteArray utf8 = text.toUtf8();
    if (utf8.contains(',') || utf8.contains('"') || utf8.contains('\n') || utf8.contains('\r')) {
        utf8.replace("\"", "\"\"");
        return '"' + utf8 + '"';
    }
    return utf8;
}

QByteArray moneyField(const std::optional<qint64> &v)
{
    return v ? '"' + money(*v) + '"' : QByteArray("N/A");
}

} // namespace

ListingGenerator::ListingGenerator(std::shared_ptr<const BenchmarkTable> benchmarks, quint64 seed)
    : m_benchmarks(std::move(benchmarks))
    , m_random(seed)
{
    if (!m_benchmarks)
        throw std::invalid_argument("ListingGenerator needs a benchmark table");
}

Listing ListingGenerator::next()
{
    DeterministicRandom &rnd = m_random;
    Listing l;
    ++m_sequence;
    l.id = QStringLiteral("G%1").arg(m_sequence, 6, 10, QLatin1Char('0'));

    int totalWeight = 0;
    for (const SectorSpec &s : kSectors)
        totalWeight += s.weight;
    qint64 ticket = static_cast<qint64>(rnd.below(static_cast<quint64>(totalWeight)));
    const SectorSpec *spec = &kSectors[0];
    for (const SectorSpec &s : kSectors) {
        if (ticket < s.weight) {
            spec = &s;
            break;
        }
        ticket -= s.weight;
    }
    const Noun &noun = spec->nouns[static_cast<size_t>(rnd.below(spec->nouns.size()))];
    const QString sector = QString::fromLatin1(spec->sector);
    const QString industryName = noun.industry ? QString::fromLatin1(noun.industry) : QString();

    // The distribution parameters: the industry row when there is one, else the sector row.
    std::optional<double> sde, rev;
    std::optional<qint64> median;
    if (const auto s = m_benchmarks->sector(sector)) {
        sde = s->sdeMultiple;
        rev = s->revenueMultiple;
        median = s->medianSalePrice;
    }
    if (!industryName.isEmpty()) {
        if (const auto i = m_benchmarks->industry(industryName)) {
            sde = i->sdeMultiple ? i->sdeMultiple : sde;
            rev = i->revenueMultiple ? i->revenueMultiple : rev;
            median = i->medianSalePrice ? i->medianSalePrice : median;
        }
    }
    const SectorBenchmark all = m_benchmarks->allSectors();
    const double sdeMultiple = sde.value_or(all.sdeMultiple.value_or(2.6));
    const double revenueMultiple = rev.value_or(all.revenueMultiple.value_or(0.7));
    const double medianPrice = static_cast<double>(median.value_or(all.medianSalePrice.value_or(350000)));

    // Asking prices sit ~10 % above sale prices; the spread is wide, as on the real sites.
    const double price = std::clamp(medianPrice * 1.1 * rnd.logNormalFactor(0.6), 20'000.0, 60'000'000.0);
    l.askingPrice = roundPrice(price);
    const double p = static_cast<double>(*l.askingPrice);
    const double cashFlow = p / (sdeMultiple * rnd.logNormalFactor(0.25));
    const double revenue = p / (revenueMultiple * rnd.logNormalFactor(0.3));
    // Cash flow cannot exceed revenue in a real business; cap the margin at 60 %.
    const double cappedCashFlow = std::min(cashFlow, revenue * 0.6);
    // Missing rates similar to the 2023 BizBuySell export (cash flow ~ 1 in 6, revenue ~ 1 in 8 here).
    if (!rnd.chance(0.15))
        l.cashFlow = whole(cappedCashFlow);
    if (!rnd.chance(0.12))
        l.grossRevenue = whole(revenue);
    if (l.cashFlow && rnd.chance(0.45))
        l.ebitda = whole(static_cast<double>(*l.cashFlow) * rnd.uniform(0.55, 0.9));
    const double inventoryRoll = rnd.uniform();
    if (inventoryRoll < 0.45)
        l.inventoryIncluded = true;
    else if (inventoryRoll < 0.65)
        l.inventoryIncluded = false;
    else if (inventoryRoll < 0.8)
        l.inventory = roundPrice(p * rnd.uniform(0.02, 0.15));
    if (rnd.chance(0.6))
        l.ffe = roundPrice(p * rnd.uniform(0.05, 0.3));
    const int age = std::clamp(static_cast<int>(12.0 * rnd.logNormalFactor(0.8)), 1, 90);
    if (!rnd.chance(0.2))
        l.yearEstablished = kReferenceYear - age;
    if (!rnd.chance(0.3))
        l.employees = std::max(1, static_cast<int>(revenue / 110'000.0 * rnd.logNormalFactor(0.4)));

    const auto &city = pick(rnd, kCities);
    l.city = QString::fromLatin1(city[0]);
    l.state = QString::fromLatin1(city[1]);
    l.location = l.city + QStringLiteral(", ") + l.state;

    const QString nounText = QString::fromLatin1(noun.noun);
    const QString adjective = QString::fromLatin1(pick(rnd, kAdjectives));
    const QString tail = QString::fromLatin1(pick(rnd, kTitleTails));
    switch (rnd.below(3)) {
    case 0:
        l.title = adjective + QLatin1Char(' ') + nounText + QStringLiteral(" in ") + l.city;
        break;
    case 1:
        l.title = adjective + QLatin1Char(' ') + nounText + (tail.isEmpty() ? QString() : QLatin1Char(' ') + tail);
        break;
    default:
        l.title = l.city + QLatin1Char(' ') + nounText + (tail.isEmpty() ? QString() : QLatin1Char(' ') + tail);
        break;
    }

    const char *feature1 = pick(rnd, kFeatures);
    const char *feature2 = pick(rnd, kFeatures);
    QString description = QStringLiteral("Fictional listing generated by Dealscope. This %1 has served %2 and the "
                                         "surrounding area for %3 years. ")
                              .arg(nounText.toLower(), l.city)
                              .arg(age);
    description += QString::fromLatin1(feature1) + QStringLiteral(". ");
    if (feature2 != feature1)
        description += QString::fromLatin1(feature2) + QStringLiteral(". ");
    description += QString::fromLatin1(pick(rnd, kReasons));
    l.description = description;

    // The industry column: usually the specific industry or the sector, sometimes left empty so
    // that the importer infers it from the title.
    const double industryRoll = rnd.uniform();
    if (industryRoll < 0.1)
        l.industry.clear();
    else if (industryRoll < 0.55 && !industryName.isEmpty())
        l.industry = industryName;
    else
        l.industry = sector;
    l.source = QStringLiteral("Dealscope demo (generated)");
    return l;
}

QList<Listing> ListingGenerator::generate(qsizetype count)
{
    QList<Listing> out;
    out.reserve(count);
    for (qsizetype i = 0; i < count; ++i)
        out.append(next());
    return out;
}

QByteArray ListingGenerator::csvHeader()
{
    return "id,Title,Industry,Location,Asking Price,Cash Flow,Gross Revenue,EBITDA,Inventory,FF&E,Established,"
           "Employees,Business Description,Source\n";
}

QByteArray ListingGenerator::csvRow(const Listing &l)
{
    QByteArray row;
    row.reserve(512);
    row += csvField(l.id) + ',' + csvField(l.title) + ',' + csvField(l.industry) + ',' + csvField(l.location) + ',';
    row += moneyField(l.askingPrice) + ',' + moneyField(l.cashFlow) + ',' + moneyField(l.grossRevenue) + ','
        + moneyField(l.ebitda) + ',';
    if (l.inventory)
        row += moneyField(l.inventory);
    else if (l.inventoryIncluded)
        row += *l.inventoryIncluded ? "Included in asking price" : "Not included in asking price";
    else
        row += "N/A";
    row += ',' + moneyField(l.ffe) + ',';
    row += l.yearEstablished ? QByteArray::number(*l.yearEstablished) : QByteArray("N/A");
    row += ',';
    row += l.employees ? QByteArray::number(*l.employees) : QByteArray("N/A");
    row += ',' + csvField(l.description) + ',' + csvField(l.source) + '\n';
    return row;
}

QByteArray ListingGenerator::toCsv(const QList<Listing> &listings)
{
    QByteArray out = csvHeader();
    for (const Listing &l : listings)
        out += csvRow(l);
    return out;
}

QByteArray ListingGenerator::toJson(const QList<Listing> &listings)
{
    QByteArray out = "[\n";
    for (qsizetype i = 0; i < listings.size(); ++i) {
        out += QByteArray::fromStdString(listingToJson(listings[i]).dump());
        out += i + 1 < listings.size() ? ",\n" : "\n";
    }
    out += "]\n";
    return out;
}

bool ListingGenerator::writeCsv(QIODevice &out, qsizetype count)
{
    if (out.write(csvHeader()) < 0)
        return false;
    QByteArray buffer;
    for (qsizetype i = 0; i < count; ++i) {
        buffer += csvRow(next());
        if (buffer.size() > (1 << 16) || i + 1 == count) {
            if (out.write(buffer) != buffer.size())
                return false;
            buffer.clear();
        }
    }
    return true;
}

bool ListingGenerator::writeJson(QIODevice &out, qsizetype count)
{
    QByteArray buffer = "[\n";
    for (qsizetype i = 0; i < count; ++i) {
        buffer += QByteArray::fromStdString(listingToJson(next()).dump());
        buffer += i + 1 < count ? ",\n" : "\n";
        if (buffer.size() > (1 << 16)) {
            if (out.write(buffer) != buffer.size())
                return false;
            buffer.clear();
        }
    }
    buffer += "]\n";
    return out.write(buffer) == buffer.size();
}

} // namespace dealscope
