#include "import/ListingField.h"

#include <QHash>

namespace dealscope {

namespace {

struct Alias
{
    const char *name;
    ListingField field;
};

// Normalized forms (lower-case letters and digits). Scraped files name the same thing many ways.
constexpr Alias kAliases[] = {
    { "id", ListingField::Id },
    { "listingid", ListingField::Id },
    { "refid", ListingField::Id },
    { "reference", ListingField::Id },
    { "referencenumber", ListingField::Id },
    { "adid", ListingField::Id },
    { "listingnumber", ListingField::Id },
    { "title", ListingField::Title },
    { "name", ListingField::Title },
    { "businessname", ListingField::Title },
    { "listingtitle", ListingField::Title },
    { "headline", ListingField::Title },
    { "listingname", ListingField::Title },
    { "industry", ListingField::Industry },
    { "category", ListingField::Industry },
    { "sector", ListingField::Industry },
    { "businesstype", ListingField::Industry },
    { "industrytype", ListingField::Industry },
    { "businesscategory", ListingField::Industry },
    { "industryinferred", ListingField::IndustryInferred },
    { "location", ListingField::Location },
    { "businesslocation", ListingField::Location },
    { "citystate", ListingField::Location },
    { "address", ListingField::Location },
    { "city", ListingField::City },
    { "town", ListingField::City },
    { "state", ListingField::State },
    { "province", ListingField::State },
    { "stateprovince", ListingField::State },
    { "askingprice", ListingField::AskingPrice },
    { "price", ListingField::AskingPrice },
    { "asking", ListingField::AskingPrice },
    { "listprice", ListingField::AskingPrice },
    { "listingprice", ListingField::AskingPrice },
    { "askingpriceusd", ListingField::AskingPrice },
    { "grossrevenue", ListingField::GrossRevenue },
    { "revenue", ListingField::GrossRevenue },
    { "grosssales", ListingField::GrossRevenue },
    { "sales", ListingField::GrossRevenue },
    { "annualrevenue", ListingField::GrossRevenue },
    { "totalrevenue", ListingField::GrossRevenue },
    { "annualsales", ListingField::GrossRevenue },
    { "turnover", ListingField::GrossRevenue },
    { "cashflow", ListingField::CashFlow },
    { "profit", ListingField::CashFlow },
    { "sde", ListingField::CashFlow },
    { "sellersdiscretionaryearnings", ListingField::CashFlow },
    { "sellerdiscretionaryearnings", ListingField::CashFlow },
    { "ownerearnings", ListingField::CashFlow },
    { "discretionaryearnings", ListingField::CashFlow },
    { "ownerscashflow", ListingField::CashFlow },
    { "ebitda", ListingField::Ebitda },
    { "inventory", ListingField::Inventory },
    { "inventoryvalue", ListingField::Inventory },
    { "inventoryincluded", ListingField::InventoryIncluded },
    { "ffe", ListingField::Ffe },
    { "ffande", ListingField::Ffe },
    { "furniturefixturesequipment", ListingField::Ffe },
    { "furniturefixturesequipmentffe", ListingField::Ffe },
    { "furniturefixturesandequipment", ListingField::Ffe },
    { "furniturefixturesandequipmentffe", ListingField::Ffe },
    { "established", ListingField::YearEstablished },
    { "yearestablished", ListingField::YearEstablished },
    { "founded", ListingField::YearEstablished },
    { "yearfounded", ListingField::YearEstablished },
    { "established_year", ListingField::YearEstablished },
    { "estd", ListingField::YearEstablished },
    { "employees", ListingField::Employees },
    { "numberofemployees", ListingField::Employees },
    { "numemployees", ListingField::Employees },
    { "employeecount", ListingField::Employees },
    { "staff", ListingField::Employees },
    { "headcount", ListingField::Employees },
    { "description", ListingField::Description },
    { "businessdescription", ListingField::Description },
    { "summary", ListingField::Description },
    { "details", ListingField::Description },
    { "desc", ListingField::Description },
    { "listingdescription", ListingField::Description },
    { "url", ListingField::Url },
    { "link", ListingField::Url },
    { "listingurl", ListingField::Url },
    { "href", ListingField::Url },
    { "permalink", ListingField::Url },
    { "source", ListingField::Source },
    { "site", ListingField::Source },
    { "marketplace", ListingField::Source },
};

const QHash<QString, ListingField> &aliasTable()
{
    static const QHash<QString, ListingField> table = [] {
        QHash<QString, ListingField> t;
        for (const Alias &a : kAliases)
            t.insert(HeaderAliases::normalize(QString::fromLatin1(a.name)), a.field);
        return t;
    }();
    return table;
}

} // namespace

QString HeaderAliases::normalize(QStringView header)
{
    QString key;
    key.reserve(header.size());
    for (const QChar c : header)
        if (c.isLetterOrNumber())
            key += c.toLower();
    return key;
}

std::optional<ListingField> HeaderAliases::fieldFor(QStringView header)
{
    const auto &table = aliasTable();
    const auto it = table.constFind(normalize(header));
    if (it == table.cend())
        return std::nullopt;
    return *it;
}

QString HeaderAliases::canonicalName(ListingField field)
{
    switch (field) {
    case ListingField::Id:
        return QStringLiteral("id");
    case ListingField::Title:
        return QStringLiteral("title");
    case ListingField::Industry:
        return QStringLiteral("industry");
    case ListingField::IndustryInferred:
        return QStringLiteral("industryInferred");
    case ListingField::Location:
        return QStringLiteral("location");
    case ListingField::City:
        return QStringLiteral("city");
    case ListingField::State:
        return QStringLiteral("state");
    case ListingField::AskingPrice:
        return QStringLiteral("askingPrice");
    case ListingField::GrossRevenue:
        return QStringLiteral("grossRevenue");
    case ListingField::CashFlow:
        return QStringLiteral("cashFlow");
    case ListingField::Ebitda:
        return QStringLiteral("ebitda");
    case ListingField::Inventory:
        return QStringLiteral("inventory");
    case ListingField::InventoryIncluded:
        return QStringLiteral("inventoryIncluded");
    case ListingField::Ffe:
        return QStringLiteral("ffe");
    case ListingField::YearEstablished:
        return QStringLiteral("yearEstablished");
    case ListingField::Employees:
        return QStringLiteral("employees");
    case ListingField::Description:
        return QStringLiteral("description");
    case ListingField::Url:
        return QStringLiteral("url");
    case ListingField::Source:
        return QStringLiteral("source");
    }
    return {};
}

} // namespace dealscope
