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
        const std::u16string_view key = m_storage.emplace_back(k);
        m_words.emplace(key, sector);
        if (const size_t space = key.find(u' '); space != std::u16string_view::npos) {
            // score() matches single words and two-word phrases only.
            Q_ASSERT(key.find(u' ', space + 1) == std::u16string_view::npos);
            m_phraseStarts.insert(key.substr(0, space));
        }
    }
}

// The keywords were chosen against the two real listing files (BizBuySell 2023, BizQuest 2025):
// words that name a business type, not words every listing uses ("business", "owner", "shop").
// Where BizBuySell files a business type under a non-obvious sector (catering → Service,
// pharmacy → Retail, vending → Retail, printing → Manufacturing) the table follows BizBuySell.
SectorKeywords::SectorKeywords()
{
    m_sectors = { QStringLiteral("Automotive and Boat"), QStringLiteral("Beauty and Personal Care"),
        QStringLiteral("Building and Construction"), QStringLiteral("Communication and Media"),
        QStringLiteral("Education and Children"), QStringLiteral("Entertainment and Recreation"),
        QStringLiteral("Financial Services"), QStringLiteral("Food and Restaurants"),
        QStringLiteral("Health Care and Fitness"), QStringLiteral("Manufacturing"),
        QStringLiteral("Online and Technology"), QStringLiteral("Pet Services"), QStringLiteral("Retail"),
        QStringLiteral("Service Businesses"), QStringLiteral("Transportation and Storage"),
        QStringLiteral("Wholesale and Distributors") };
    int i = 0;
    add(i++,
        { u"auto", u"automotive", u"mechanic", u"body shop", u"collision", u"tire", u"oil change", u"car wash",
            u"carwash", u"car dealership", u"dealership", u"gas station", u"fuel station", u"towing", u"tow", u"boat",
            u"boats", u"marine", u"truck stop", u"auto parts", u"transmission", u"detailing", u"motorcycle",
            u"rv dealer", u"salvage yard", u"junk yard", u"junkyard", u"equipment rental", u"car", u"vehicle",
            u"windshield", u"smog", u"lube", u"trailer", u"trailers", u"adas", u"tinting", u"rv", u"ev charging" });
    add(i++,
        { u"salon", u"spa", u"hair", u"barber", u"barbershop", u"nail", u"massage", u"tanning", u"beauty", u"cosmetic",
            u"cosmetics", u"lash", u"eyelash", u"waxing", u"esthetics", u"aesthetics", u"skincare", u"skin care",
            u"tattoo", u"brow", u"medspa", u"med spa", u"wig", u"wigs" });
    add(i++,
        { u"construction", u"contractor", u"contracting", u"hvac", u"plumbing", u"plumber", u"roofing", u"roofer",
            u"electrical contractor", u"electrician", u"concrete", u"remodeling", u"remodel", u"renovation",
            u"general contractor", u"excavation", u"paving", u"masonry", u"drywall", u"painting", u"flooring",
            u"home builder", u"homebuilder", u"carpentry", u"fencing", u"fence", u"insulation", u"siding",
            u"hardware store", u"building materials", u"building material", u"awning", u"awnings", u"asphalt",
            u"septic", u"gutter", u"gutters", u"solar", u"cabinetry", u"countertop", u"countertops",
            u"mechanical contractor", u"heating", u"air conditioning", u"patio", u"fire sprinkler", u"sprinkler",
            u"fire protection", u"generator", u"generators", u"deck", u"decks", u"electrical", u"stucco", u"demolition",
            u"land clearing", u"drilling", u"pool construction", u"excavating", u"property maintenance",
            u"home maintenance", u"home improvement", u"lighting", u"striping", u"line striping", u"sealcoating" });
    add(i++,
        { u"media", u"magazine", u"newspaper", u"publishing", u"publisher", u"radio", u"tv station", u"television",
            u"video production", u"production company", u"podcast", u"film", u"recording studio", u"telecom",
            u"telecommunications", u"broadcasting" });
    add(i++,
        { u"daycare", u"day care", u"childcare", u"child care", u"preschool", u"pre school", u"school", u"tutoring",
            u"tutor", u"learning center", u"education", u"educational", u"academy", u"montessori", u"early learning",
            u"driving school", u"children", u"kids" });
    add(i++,
        { u"entertainment", u"recreation", u"bowling", u"golf", u"arcade", u"escape room", u"theater", u"theatre",
            u"cinema", u"nightclub", u"night club", u"casino", u"marina", u"fishing", u"art gallery", u"gallery",
            u"banquet", u"event venue", u"venue", u"amusement", u"trampoline", u"campground", u"rv park", u"water park",
            u"skating", u"karaoke", u"axe throwing", u"wedding venue", u"museum", u"paintball", u"laser tag",
            u"party rental", u"inflatable", u"inflatables", u"events", u"shooting range", u"hotel", u"motel", u"lodge",
            u"cabins", u"vacation rental", u"term rental", u"treehouse", u"billiards", u"zip line", u"str",
            u"and breakfast", u"resort", u"hospitality", u"lanes", u"b b", u"glamping", u"photo booth" });
    add(i++,
        { u"accounting", u"accountant", u"cpa", u"tax preparation", u"tax practice", u"bookkeeping", u"insurance",
            u"insurance agency", u"bank", u"banking", u"loan", u"lending", u"mortgage", u"check cashing",
            u"financial services", u"financial planning", u"wealth management", u"payroll", u"investment advisory",
            u"payday", u"financial advisor", u"tax", u"brokerage", u"public adjusting", u"adjuster", u"allstate",
            u"state farm", u"title agency", u"atm", u"atm route", u"insurance book" });
    add(i++,
        { u"restaurant", u"pizza", u"pizzeria", u"cafe", u"café", u"coffee", u"coffee shop", u"bakery", u"bar", u"pub",
            u"tavern", u"brewery", u"brewpub", u"winery", u"diner", u"grill", u"bistro", u"deli", u"sandwich",
            u"burger", u"taco", u"taqueria", u"sushi", u"food truck", u"donut", u"doughnut", u"ice cream",
            u"frozen yogurt", u"yogurt", u"juice", u"smoothie", u"juice bar", u"bagel", u"food service",
            u"quick service", u"qsr", u"fast food", u"steakhouse", u"bbq", u"barbecue", u"eatery", u"wings", u"boba",
            u"bubble tea", u"dessert", u"creamery", u"cupcake", u"cafeteria", u"dining", u"menu", u"chef",
            u"dairy queen", u"subway", u"hookah", u"lounge", u"tap house", u"taproom", u"candy", u"candies",
            u"chocolate", u"dim sum", u"speakeasy", u"food", u"snow cone", u"distillery", u"concessions",
            u"food delivery", u"liquor license", u"baskin robbins", u"franchise restaurant" });
    add(i++,
        { u"medical", u"clinic", u"healthcare", u"health care", u"dental", u"dentist", u"orthodontic", u"chiropractic",
            u"chiropractor", u"physical therapy", u"therapy", u"gym", u"fitness", u"fitness center", u"crossfit",
            u"yoga", u"pilates", u"martial arts", u"dance", u"home health", u"home care", u"hospice",
            u"assisted living", u"nursing home", u"senior care", u"senior living", u"optometry", u"optometrist",
            u"urgent care", u"behavioral health", u"mental health", u"counseling", u"rehab", u"rehabilitation",
            u"hearing aid", u"medical practice", u"physician", u"patients", u"patient", u"caregiver", u"caregivers",
            u"wellness", u"drug testing", u"lab test", u"thermography", u"medical spa", u"ophthalmology", u"eye care",
            u"audiology", u"vision center", u"lab", u"fitness studio" });
    add(i++,
        { u"manufacturing", u"manufacturer", u"manufactures", u"manufacture", u"fabrication", u"fabricator",
            u"machine shop", u"machining", u"cnc", u"foundry", u"metal fabrication", u"plastics", u"injection molding",
            u"packaging", u"printing", u"print shop", u"sign company", u"sign shop", u"signage", u"woodworking",
            u"millwork", u"factory", u"industrial", u"oem", u"textile", u"welding", u"sawmill", u"powder coating",
            u"machinery", u"production facility", u"signs", u"sign franchise", u"t shirts", u"shirts", u"embroidery",
            u"screen printing", u"oilfield", u"petroleum", u"metal finishing", u"jerky" });
    add(i++,
        { u"online", u"website", u"websites", u"ecommerce", u"e commerce", u"amazon", u"fba", u"shopify", u"saas",
            u"software", u"app", u"it services", u"managed services", u"msp", u"web design", u"digital marketing",
            u"technology", u"tech", u"computer repair", u"phone repair", u"internet", u"cyber security",
            u"cybersecurity", u"data center", u"dropshipping", u"drop shipping", u"etsy", u"ebay", u"affiliate",
            u"blog", u"content site", u"mobile app", u"cloud", u"seo", u"web hosting", u"hosting", u"digital",
            u"computer", u"shopify store", u"amazon store", u"electronics repair", u"electronics", u"lead gen",
            u"lead generation" });
    add(i++,
        { u"pet", u"dog", u"grooming", u"groomer", u"dog grooming", u"kennel", u"boarding", u"pet store", u"pet supply",
            u"veterinary", u"vet clinic", u"animal", u"doggy daycare", u"dog daycare", u"equine", u"aquarium" });
    add(i++,
        { u"retail", u"store", u"boutique", u"convenience store", u"c store", u"liquor store", u"liquor", u"wine shop",
            u"jewelry", u"jeweler", u"florist", u"flower", u"gift shop", u"dollar store", u"grocery", u"supermarket",
            u"pharmacy", u"drugstore", u"smoke shop", u"vape", u"tobacco", u"cbd", u"dispensary", u"pawn", u"pawn shop",
            u"bike shop", u"bicycle", u"thrift", u"consignment", u"clothing store", u"apparel", u"mattress",
            u"garden center", u"nursery", u"vending", u"health food", u"nutrition", u"sporting goods", u"toy store",
            u"bookstore", u"book store", u"gun shop", u"firearms", u"eyewear", u"furniture store", u"retailer",
            u"showroom", u"bike", u"floral", u"power equipment", u"cannabis", u"vending route", u"vending machine",
            u"decor", u"décor", u"home decor" });
    add(i++,
        { u"cleaning", u"janitorial", u"commercial cleaning", u"carpet cleaning", u"maid", u"landscaping", u"landscape",
            u"lawn", u"lawn care", u"tree service", u"pest control", u"exterminator", u"pool service", u"pool route",
            u"laundromat", u"laundry", u"dry cleaning", u"dry cleaner", u"drycleaner", u"funeral", u"funeral home",
            u"mortuary", u"cremation", u"law firm", u"legal", u"attorney", u"locksmith", u"medical billing",
            u"property management", u"security", u"security guard", u"staffing", u"staffing agency", u"recruiting",
            u"employment agency", u"waste management", u"recycling", u"junk removal", u"architecture", u"architect",
            u"engineering", u"engineering firm", u"consulting", u"consultancy", u"marketing agency", u"advertising",
            u"marketing", u"home services", u"handyman", u"home inspection", u"restoration", u"photography",
            u"event planning", u"travel agency", u"catering", u"caterer", u"pressure washing", u"window cleaning",
            u"appliance repair", u"garage door", u"service route", u"pool cleaning", u"employment", u"dumpster",
            u"dumpsters", u"portable toilet", u"potty", u"sanitation", u"garbage", u"junk", u"creative agency",
            u"design firm", u"interior design", u"pool", u"turf", u"power washing", u"sweeping", u"investigation",
            u"investigative", u"garment", u"tailor", u"alterations", u"upholstery", u"drapery", u"coworking",
            u"workspace", u"blinds", u"tree removal", u"tree trimming", u"wildlife control", u"wildlife", u"postal",
            u"mitigation", u"chem dry", u"kitchen maintenance", u"hood cleaning", u"water treatment", u"estate sale",
            u"squeegee", u"shoe repair", u"window treatment", u"window treatments", u"mosquito", u"pest",
            u"snow removal", u"surveillance", u"alarm", u"wastewater", u"staging", u"background checks", u"hr services",
            u"landscape contracting" });
    add(i++,
        { u"trucking", u"freight", u"logistics", u"delivery", u"courier", u"moving company", u"movers", u"shipping",
            u"self storage", u"storage", u"warehouse", u"warehousing", u"limo", u"limousine", u"transportation",
            u"nemt", u"taxi", u"charter", u"ltl", u"last mile", u"dsp", u"fedex", u"fedex route", u"fedex ground",
            u"medical transportation", u"dispatch", u"hauling", u"box truck", u"moving", u"moving service",
            u"pack ship", u"ship", u"fed ex", u"p d", u"fedex p", u"relocation" });
    add(i++,
        { u"wholesale", u"wholesaler", u"distributor", u"distribution", u"distributing", u"importer", u"import",
            u"exporter", u"supplier", u"route", u"b2b", u"tortilla route", u"bread route", u"snack route" });
}

int SectorKeywords::lookup(std::u16string_view word) const
{
    if (const auto it = m_words.find(word); it != m_words.end())
        return it->second;
    // Fold simple English plurals: salons → salon, businesses → business.
    if (word.size() > 3 && word.back() == u's') {
        if (const auto it = m_words.find(word.substr(0, word.size() - 1)); it != m_words.end())
            return it->second;
        if (word[word.size() - 2] == u'e')
            if (const auto it = m_words.find(word.substr(0, word.size() - 2)); it != m_words.end())
                return it->second;
    }
    return -1;
}

void SectorKeywords::score(QStringView text, int weight, QList<int> &scores, qsizetype maxChars) const
{
    if (scores.size() < m_sectors.size())
        scores.resize(m_sectors.size(), 0);
    const qsizetype n = std::min(text.size(), maxChars);
    // buffer = "previous word" + ' ' + "current word", so a phrase is one view.
    std::u16string buffer;
    buffer.reserve(128);
    size_t previousSize = 0;
    qsizetype i = 0;
    while (i < n) {
        while (i < n && !text[i].isLetterOrNumber())
            ++i;
        if (i >= n)
            break;
        const size_t wordStart = previousSize ? previousSize + 1 : 0;
        buffer.resize(wordStart);
        if (previousSize)
            buffer[previousSize] = u' ';
        while (i < n && text[i].isLetterOrNumber()) {
            const char16_t c = text[i].unicode();
            buffer.push_back(c < 128 ? (c >= u'A' && c <= u'Z' ? char16_t(c + 32) : c) : text[i].toLower().unicode());
            ++i;
        }
        const std::u16string_view all(buffer);
        const std::u16string_view word = all.substr(wordStart);
        bool phraseHit = false;
        if (previousSize && m_phraseStarts.count(all.substr(0, previousSize))) {
            const int sector = lookup(all);
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
        // Keep only the current word as the next "previous".
        buffer.erase(0, wordStart);
        previousSize = buffer.size();
    }
}

} // namespace dealscope
