#include "benchmarks/SectorKeywords.h"

namespace dealscope {

const SectorKeywords &SectorKeywords::instance()
{
    static const SectorKeywords keywords;
    return keywords;
}

void SectorKeywords::add(int sector, std::initializer_list<const char16_t *> keywords)
{
    for (const char16_t *k : keywords) {
        const QString key = QString::fromUtf16(k);
        m_words.insert(key, sector);
        if (const qsizetype space = key.indexOf(QLatin1Char(' ')); space > 0)
            m_phraseStarts.insert(key.left(space));
    }
}

// The keywords were chosen against the two real listing files (BizBuySell 2023, BizQuest 2025):
// words that name a business type, not words every listing uses ("business", "owner", "shop").
// Where BizBuySell files a business type under a non-obvious sector (catering → Service,
// pharmacy → Retail, vending → Retail, printing → Manufacturing) the table follows BizBuySell.
SectorKeywords::SectorKeywords()
{
    m_sectors = {QStringLiteral("Automotive and Boat"),       QStringLiteral("Beauty and Personal Care"),
                 QStringLiteral("Building and Construction"), QStringLiteral("Communication and Media"),
                 QStringLiteral("Education and Children"),    QStringLiteral("Entertainment and Recreation"),
                 QStringLiteral("Financial Services"),        QStringLiteral("Food and Restaurants"),
                 QStringLiteral("Health Care and Fitness"),   QStringLiteral("Manufacturing"),
                 QStringLiteral("Online and Technology"),     QStringLiteral("Pet Services"),
                 QStringLiteral("Retail"),                    QStringLiteral("Service Businesses"),
                 QStringLiteral("Transportation and Storage"), QStringLiteral("Wholesale and Distributors")};
    int i = 0;
    add(i++, {u"auto", u"automotive", u"mechanic", u"body shop", u"collision", u"tire", u"oil change",
              u"car wash", u"carwash", u"car dealership", u"dealership", u"gas station", u"fuel station",
              u"towing", u"tow", u"boat", u"boats", u"marine", u"truck stop", u"auto parts", u"transmission",
              u"detailing", u"motorcycle", u"rv dealer", u"salvage yard", u"junk yard", u"junkyard",
              u"equipment rental", u"car", u"vehicle", u"windshield", u"smog", u"lube"});
    add(i++, {u"salon", u"spa", u"hair", u"barber", u"barbershop", u"nail", u"massage", u"tanning", u"beauty",
              u"cosmetic", u"cosmetics", u"lash", u"eyelash", u"waxing", u"esthetics", u"aesthetics",
              u"skincare", u"skin care", u"tattoo", u"brow", u"medspa", u"med spa"});
    add(i++, {u"construction", u"contractor", u"contracting", u"hvac", u"plumbing", u"plumber", u"roofing",
              u"roofer", u"electrical contractor", u"electrician", u"concrete", u"remodeling", u"remodel",
              u"renovation", u"general contractor", u"excavation", u"paving", u"masonry", u"drywall",
              u"painting", u"flooring", u"home builder", u"homebuilder", u"carpentry", u"fencing", u"fence",
              u"insulation", u"siding", u"hardware store", u"building materials", u"building material",
              u"awning", u"awnings", u"asphalt", u"septic", u"gutter", u"gutters", u"solar", u"cabinetry",
              u"countertop", u"countertops", u"mechanical contractor", u"heating", u"air conditioning"});
    add(i++, {u"media", u"magazine", u"newspaper", u"publishing", u"publisher", u"radio", u"tv station",
              u"television", u"video production", u"production company", u"podcast", u"film", u"recording studio",
              u"telecom", u"telecommunications", u"broadcasting"});
    add(i++, {u"daycare", u"day care", u"childcare", u"child care", u"preschool", u"pre school", u"school",
              u"tutoring", u"tutor", u"learning center", u"education", u"educational", u"academy",
              u"montessori", u"early learning", u"driving school", u"children", u"kids"});
    add(i++, {u"entertainment", u"recreation", u"bowling", u"golf", u"arcade", u"escape room", u"theater",
              u"theatre", u"cinema", u"nightclub", u"night club", u"casino", u"marina", u"fishing",
              u"art gallery", u"gallery", u"banquet", u"event venue", u"venue", u"amusement",
              u"trampoline", u"campground", u"rv park", u"water park", u"skating", u"karaoke",
              u"axe throwing", u"wedding venue", u"museum", u"paintball", u"laser tag"});
    add(i++, {u"accounting", u"accountant", u"cpa", u"tax preparation", u"tax practice", u"bookkeeping",
              u"insurance", u"insurance agency", u"bank", u"banking", u"loan", u"lending", u"mortgage",
              u"check cashing", u"financial services", u"financial planning", u"wealth management",
              u"payroll", u"investment advisory", u"payday", u"financial advisor"});
    add(i++, {u"restaurant", u"pizza", u"pizzeria", u"cafe", u"café", u"coffee", u"coffee shop", u"bakery",
              u"bar", u"pub", u"tavern", u"brewery", u"brewpub", u"winery", u"diner", u"grill", u"bistro",
              u"deli", u"sandwich", u"burger", u"taco", u"taqueria", u"sushi", u"food truck", u"donut",
              u"doughnut", u"ice cream", u"frozen yogurt", u"yogurt", u"juice", u"smoothie", u"juice bar",
              u"bagel", u"food service", u"quick service", u"qsr", u"fast food", u"steakhouse", u"bbq",
              u"barbecue", u"eatery", u"wings", u"boba", u"bubble tea", u"dessert", u"creamery", u"cupcake",
              u"cafeteria", u"dining", u"menu", u"chef", u"franchise restaurant"});
    add(i++, {u"medical", u"clinic", u"healthcare", u"health care", u"dental", u"dentist", u"orthodontic",
              u"chiropractic", u"chiropractor", u"physical therapy", u"therapy", u"gym", u"fitness",
              u"fitness center", u"crossfit", u"yoga", u"pilates", u"martial arts", u"dance", u"home health",
              u"home care", u"hospice", u"assisted living", u"nursing home", u"senior care", u"senior living",
              u"optometry", u"optometrist", u"urgent care", u"behavioral health", u"mental health",
              u"counseling", u"rehab", u"rehabilitation", u"hearing aid", u"medical practice", u"physician",
              u"patients", u"patient", u"caregiver", u"caregivers", u"wellness"});
    add(i++, {u"manufacturing", u"manufacturer", u"manufactures", u"manufacture", u"fabrication", u"fabricator",
              u"machine shop", u"machining", u"cnc", u"foundry", u"metal fabrication", u"plastics",
              u"injection molding", u"packaging", u"printing", u"print shop", u"sign company", u"sign shop",
              u"signage", u"woodworking", u"millwork", u"factory", u"industrial", u"oem", u"textile",
              u"welding", u"sawmill", u"powder coating", u"machinery", u"production facility"});
    add(i++, {u"online", u"website", u"websites", u"ecommerce", u"e commerce", u"amazon", u"fba", u"shopify",
              u"saas", u"software", u"app", u"it services", u"managed services", u"msp", u"web design",
              u"digital marketing", u"technology", u"tech", u"computer repair", u"cell phone repair",
              u"phone repair", u"internet", u"cyber security", u"cybersecurity", u"data center",
              u"dropshipping", u"drop shipping", u"etsy", u"ebay", u"affiliate", u"blog", u"content site",
              u"mobile app", u"cloud", u"seo", u"web hosting", u"hosting", u"digital", u"computer"});
    add(i++, {u"pet", u"dog", u"grooming", u"groomer", u"dog grooming", u"kennel", u"boarding",
              u"pet store", u"pet supply", u"veterinary", u"vet clinic", u"animal", u"doggy daycare",
              u"dog daycare", u"equine", u"aquarium"});
    add(i++, {u"retail", u"store", u"boutique", u"convenience store", u"c store", u"liquor store", u"liquor",
              u"wine shop", u"jewelry", u"jeweler", u"florist", u"flower", u"gift shop", u"dollar store",
              u"grocery", u"supermarket", u"pharmacy", u"drugstore", u"smoke shop", u"vape", u"tobacco",
              u"cbd", u"dispensary", u"pawn", u"pawn shop", u"bike shop", u"bicycle", u"thrift", u"consignment",
              u"clothing store", u"apparel", u"mattress", u"garden center", u"nursery", u"vending",
              u"health food", u"nutrition", u"sporting goods", u"toy store", u"bookstore", u"book store",
              u"gun shop", u"firearms", u"eyewear", u"furniture store", u"retailer", u"showroom"});
    add(i++, {u"cleaning", u"janitorial", u"commercial cleaning", u"carpet cleaning", u"maid", u"landscaping",
              u"landscape", u"lawn", u"lawn care", u"tree service", u"pest control", u"exterminator",
              u"pool service", u"pool route", u"laundromat", u"laundry", u"dry cleaning", u"dry cleaner",
              u"drycleaner", u"funeral", u"funeral home", u"mortuary", u"cremation", u"law firm", u"legal",
              u"attorney", u"locksmith", u"medical billing", u"property management", u"security",
              u"security guard", u"staffing", u"staffing agency", u"recruiting", u"employment agency",
              u"waste management", u"recycling", u"junk removal", u"architecture", u"architect",
              u"engineering", u"engineering firm", u"consulting", u"consultancy", u"marketing agency",
              u"advertising", u"marketing", u"home services", u"handyman", u"home inspection",
              u"restoration", u"photography", u"event planning", u"travel agency", u"catering", u"caterer",
              u"pressure washing", u"window cleaning", u"appliance repair", u"garage door", u"service route",
              u"pool cleaning"});
    add(i++, {u"trucking", u"freight", u"logistics", u"delivery", u"courier", u"moving company", u"movers",
              u"shipping", u"self storage", u"storage", u"warehouse", u"warehousing", u"limo", u"limousine",
              u"transportation", u"nemt", u"taxi", u"charter", u"ltl", u"last mile", u"dsp", u"fedex",
              u"fedex route", u"fedex ground", u"medical transportation", u"dispatch", u"hauling",
              u"box truck"});
    add(i++, {u"wholesale", u"wholesaler", u"distributor", u"distribution", u"distributing", u"importer",
              u"import", u"exporter", u"supplier", u"route", u"b2b", u"bread route", u"snack route"});
}

int SectorKeywords::lookup(const QString &word) const
{
    if (const auto it = m_words.constFind(word); it != m_words.cend())
        return *it;
    // Fold simple English plurals: salons → salon, businesses → business.
    if (word.size() > 3 && word.endsWith(QLatin1Char('s'))) {
        if (const auto it = m_words.constFind(word.left(word.size() - 1)); it != m_words.cend())
            return *it;
        if (word.endsWith(QLatin1String("es")))
            if (const auto it = m_words.constFind(word.left(word.size() - 2)); it != m_words.cend())
                return *it;
    }
    return -1;
}

void SectorKeywords::score(QStringView text, int weight, QList<int> &scores, qsizetype maxChars) const
{
    if (scores.size() < m_sectors.size())
        scores.resize(m_sectors.size(), 0);
    const qsizetype n = std::min(text.size(), maxChars);
    QString previous;
    QString word;
    qsizetype i = 0;
    while (i < n) {
        while (i < n && !text[i].isLetterOrNumber())
            ++i;
        if (i >= n)
            break;
        word.clear();
        while (i < n && text[i].isLetterOrNumber()) {
            word.append(text[i].toLower());
            ++i;
        }
        bool phraseHit = false;
        if (!previous.isEmpty() && m_phraseStarts.contains(previous)) {
            const int sector = lookup(previous + QLatin1Char(' ') + word);
            if (sector >= 0) {
                scores[sector] += 2 * weight;
                phraseHit = true;
            }
        }
        if (!phraseHit) {
            const int sector = lookup(word);
            if (sector >= 0)
                scores[sector] += weight;
        }
        previous = word;
    }
}

} // namespace dealscope
