//! Labels printed both on pages and in documents (the endorsed PDF): kept
//! out of `components`, so a document does not reach into the UI.

use crate::domain::id_document::IdType;
use crate::i18n::*;

pub fn id_type(locale: Locale, t: IdType) -> &'static str {
    match t {
        IdType::ResidentId => td_string!(locale, id_types.resident_id),
        IdType::Passport => td_string!(locale, id_types.passport),
        IdType::HkMacauPermit => td_string!(locale, id_types.hk_macau_permit),
        IdType::TaiwanPermit => td_string!(locale, id_types.taiwan_permit),
        IdType::ForeignPermanentResident => td_string!(locale, id_types.foreign_permanent_resident),
    }
}
