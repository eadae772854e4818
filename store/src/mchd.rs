//! The machine-readable power of attorney (МЧД) in the ФНС unified format `EMCHD_1` («единый
//! формат», version 003): read from its XML the number, the dates, the principal (an organisation
//! by ИНН/ОГРН/КПП, or a person), the representative (ФИО, СНИЛС, ИНН) and the powers, so a grant
//! can be checked against it and filled from it.
//!
//! The file is read with an XML parser (quick-xml), never by searching its text: elements are
//! matched by their place in the document. A DTD is refused whole (no entity of any kind is
//! expanded), so a file cannot make the server read anything else or grow without bound. The
//! layout follows the format's description:
//!
//! ```text
//! Доверенность ВерсФорм="EMCHD_1"
//!   Документ
//!     СвДов НомДовер ДатаВыдДовер СрокДейст [ВнНомДовер] [ПрПередов]
//!     СвДоверит / Доверит / (РосОргДовер / СвРосОрг НаимОрг ИННЮЛ КПП ОГРН | ФЛ / СведФЛ …)
//!     СвУпПред / Пред / СведФизЛ [СНИЛС] [ИННФЛ] / ФИО Фамилия Имя [Отчество]
//!     СвПолн / (МашПолн КодПолн НаимПолн | ТекстПолн)…
//! ```
//!
//! Signatures (the detached `.sig`) and the registry check are the insurer's systems' work: the
//! cabinet reads and compares, and staff verify the basis before an organisation's authority takes
//! effect.

use chrono::NaiveDate;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

/// The largest МЧД file read (a real one is a few kilobytes; many powers make it tens).
pub const MAX_BYTES: usize = 512 * 1024;

/// Who issued the power of attorney.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Organisation {
        name: String,
        inn: String,
        kpp: Option<String>,
        ogrn: Option<String>,
    },
    Person {
        full_name: String,
        inn: Option<String>,
        snils: Option<String>,
    },
}

impl Principal {
    pub fn inn(&self) -> Option<&str> {
        match self {
            Principal::Organisation { inn, .. } => Some(inn),
            Principal::Person { inn, .. } => inn.as_deref(),
        }
    }
}

/// The person the power of attorney is given to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Representative {
    pub full_name: String,
    pub snils: Option<String>,
    pub inn: Option<String>,
}

/// A МЧД as read from its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mchd {
    /// `НомДовер`: the GUID the registry knows it by.
    pub number: String,
    /// `ВнНомДовер`: the principal's own number, if given.
    pub internal_number: Option<String>,
    pub issued: NaiveDate,
    pub valid_to: NaiveDate,
    /// `ПрПередов` says the powers may be passed on.
    pub may_redelegate: bool,
    pub principal: Principal,
    pub representative: Representative,
    /// The powers: `НаимПолн` of each `МашПолн` (with its code), or each `ТекстПолн`.
    pub powers: Vec<String>,
}

impl Mchd {
    /// «МЧД № … от ДД.ММ.ГГГГ до ДД.ММ.ГГГГ»: the grant's basis.
    pub fn basis(&self) -> String {
        format!(
            "МЧД № {} от {} до {}",
            self.number,
            domain::dates::format_date(self.issued),
            domain::dates::format_date(self.valid_to)
        )
    }

    /// Checks that the document was issued by the policyholder with ИНН `principal_inn`, to the
    /// person with СНИЛС `snils` or ИНН `inn` (as the grant names them), and is in force on
    /// `today`. The message says what does not match.
    pub fn check(
        &self,
        principal_inn: Option<&str>,
        snils: Option<&str>,
        inn: Option<&str>,
        today: NaiveDate,
    ) -> Result<(), String> {
        self.check_issued(principal_inn, today)?;
        self.check_given_to(snils, inn)
    }

    /// Issued by the policyholder with ИНН `principal_inn`, and in force on `today`.
    pub fn check_issued(
        &self,
        principal_inn: Option<&str>,
        today: NaiveDate,
    ) -> Result<(), String> {
        match (self.principal.inn(), principal_inn) {
            (Some(theirs), Some(ours)) if theirs == ours => {}
            (Some(theirs), Some(ours)) => {
                return Err(format!(
                    "Доверенность выдана не этим страхователем: в ней ИНН доверителя {theirs}, у страхователя {ours}"
                ));
            }
            _ => {
                return Err(
                    "Не удалось сверить доверителя: в доверенности или у страхователя нет ИНН"
                        .into(),
                );
            }
        }
        if self.issued > today {
            return Err(format!(
                "Дата выдачи доверенности {} ещё не наступила",
                domain::dates::format_date(self.issued)
            ));
        }
        if self.valid_to < today {
            return Err(format!(
                "Срок действия доверенности истёк {}",
                domain::dates::format_date(self.valid_to)
            ));
        }
        Ok(())
    }

    /// Given to the person with СНИЛС `snils` or ИНН `inn`.
    pub fn check_given_to(&self, snils: Option<&str>, inn: Option<&str>) -> Result<(), String> {
        let rep = &self.representative;
        let by_snils = snils.is_some() && rep.snils.as_deref() == snils;
        let by_inn = inn.is_some() && rep.inn.as_deref() == inn;
        if by_snils || by_inn {
            return Ok(());
        }
        let named = rep
            .snils
            .as_deref()
            .map(|s| format!("СНИЛС {}", domain::ids::format_snils(s)))
            .or_else(|| rep.inn.as_deref().map(|i| format!("ИНН {i}")))
            .unwrap_or_else(|| "нет СНИЛС и ИНН".into());
        Err(format!(
            "Доверенность выдана другому человеку: у представителя {} — {named}",
            rep.full_name
        ))
    }
}

/// Reads a МЧД file (UTF-8, or the encoding its XML declaration names, e.g. windows-1251). The
/// error is a Russian sentence naming what is wrong.
pub fn parse(bytes: &[u8]) -> Result<Mchd, String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!(
            "Файл доверенности больше {} КБ: это не МЧД",
            MAX_BYTES / 1024
        ));
    }
    let text = decode(bytes)?;
    let mut reader = Reader::from_str(&text);
    reader.config_mut().trim_text(true);
    let mut path: Vec<String> = Vec::new();
    let mut found = Found::default();
    let mut text_of: Option<String> = None;
    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "Файл не читается как XML (около символа {}): {e}",
                reader.buffer_position()
            )
        })?;
        match event {
            Event::Start(e) => {
                let name = element_name(&e)?;
                found.element(&path, &name, &e)?;
                if name == "ТекстПолн" {
                    text_of = Some(String::new());
                }
                path.push(name);
            }
            Event::Empty(e) => {
                let name = element_name(&e)?;
                found.element(&path, &name, &e)?;
            }
            Event::Text(t) => {
                if let Some(buf) = text_of.as_mut() {
                    let t = t
                        .unescape()
                        .map_err(|e| format!("Текст полномочий не читается: {e}"))?;
                    buf.push_str(&t);
                }
            }
            Event::CData(t) => {
                if let Some(buf) = text_of.as_mut() {
                    buf.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(_) => {
                if path.pop().as_deref() == Some("ТекстПолн")
                    && let Some(t) = text_of.take()
                {
                    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                    if !t.is_empty() {
                        found.powers.push(cut(&t, 500));
                    }
                }
            }
            Event::DocType(_) => {
                return Err("В файле доверенности есть DTD: такой файл не принимается".into());
            }
            Event::Eof => {
                if let Some(open) = path.last() {
                    return Err(format!(
                        "Файл доверенности оборван: не закрыт элемент «{}»",
                        cut(open, 60)
                    ));
                }
                break;
            }
            _ => {}
        }
    }
    found.finish()
}

/// The text of the file: by its byte-order mark, else by the encoding its declaration names.
fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, bad) = enc.decode_without_bom_handling(&bytes[bom..]);
        return if bad {
            Err(format!("Файл не читается в кодировке {}", enc.name()))
        } else {
            Ok(text.into_owned())
        };
    }
    let head = &bytes[..bytes.len().min(200)];
    let head = String::from_utf8_lossy(head);
    let label = head
        .strip_prefix("<?xml")
        .and_then(|d| d.split("?>").next())
        .and_then(|d| d.split("encoding=").nth(1))
        .and_then(|v| v.trim_start().get(1..))
        .and_then(|v| v.split(['"', '\'']).next());
    let enc = match label {
        Some(l) => encoding_rs::Encoding::for_label(l.trim().as_bytes())
            .ok_or_else(|| format!("Неизвестная кодировка файла доверенности «{}»", cut(l, 40)))?,
        None => encoding_rs::UTF_8,
    };
    let (text, bad) = enc.decode_without_bom_handling(bytes);
    if bad {
        return Err(format!("Файл не читается в кодировке {}", enc.name()));
    }
    Ok(text.into_owned())
}

fn element_name(e: &BytesStart<'_>) -> Result<String, String> {
    let name = std::str::from_utf8(e.local_name().into_inner())
        .map_err(|_| "Имя элемента в файле доверенности не читается".to_string())?;
    Ok(name.to_string())
}

fn cut(s: &str, n: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(n).collect()
}

/// The attributes of one element, by name.
fn attrs(e: &BytesStart<'_>) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| format!("Атрибут в файле доверенности не читается: {e}"))?;
        let key = std::str::from_utf8(a.key.local_name().into_inner())
            .map_err(|_| "Имя атрибута в файле доверенности не читается".to_string())?
            .to_string();
        let value = a
            .unescape_value()
            .map_err(|e| format!("Значение атрибута {key} не читается: {e}"))?;
        out.push((key, cut(value.trim(), 1000)));
    }
    Ok(out)
}

fn get(attrs: &[(String, String)], key: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(k, v)| k == key && !v.is_empty())
        .map(|(_, v)| v.clone())
}

#[derive(Default)]
struct Found {
    root_seen: bool,
    number: Option<String>,
    internal_number: Option<String>,
    issued: Option<String>,
    valid_to: Option<String>,
    may_redelegate: bool,
    org: Option<Vec<(String, String)>>,
    principal_person: Option<Vec<(String, String)>>,
    principal_fio: Option<Vec<(String, String)>>,
    rep: Option<Vec<(String, String)>>,
    rep_fio: Option<Vec<(String, String)>>,
    powers: Vec<String>,
}

impl Found {
    /// Takes what matters from element `name` opened under `path`.
    fn element(&mut self, path: &[String], name: &str, e: &BytesStart<'_>) -> Result<(), String> {
        let under = |n: &str| path.iter().any(|p| p == n);
        if path.is_empty() {
            if name != "Доверенность" {
                return Err(format!(
                    "Это не машиночитаемая доверенность: документ начинается с «{}», а не с «Доверенность»",
                    cut(name, 60)
                ));
            }
            let a = attrs(e)?;
            match get(&a, "ВерсФорм") {
                Some(v) if v.starts_with("EMCHD") => {}
                Some(v) => {
                    return Err(format!(
                        "Формат доверенности «{}» не поддерживается: нужен единый формат EMCHD_1",
                        cut(&v, 40)
                    ));
                }
                None => {
                    return Err(
                        "В доверенности не указана версия формата (ВерсФорм): нужен EMCHD_1".into(),
                    );
                }
            }
            self.root_seen = true;
            return Ok(());
        }
        match name {
            "СвДов" if self.number.is_none() => {
                let a = attrs(e)?;
                self.number = get(&a, "НомДовер");
                self.internal_number = get(&a, "ВнНомДовер");
                self.issued = get(&a, "ДатаВыдДовер");
                self.valid_to = get(&a, "СрокДейст");
                self.may_redelegate = get(&a, "ПрПередов").is_some_and(|v| v != "0");
            }
            "СвРосОрг" | "СвОрг" if under("СвДоверит") && self.org.is_none() =>
            {
                self.org = Some(attrs(e)?);
            }
            "СведФЛ" | "СведФизЛ" if under("СвДоверит") && self.principal_person.is_none() =>
            {
                self.principal_person = Some(attrs(e)?);
            }
            "ФИО" if under("СвДоверит") && self.principal_fio.is_none() => {
                self.principal_fio = Some(attrs(e)?);
            }
            "СведФизЛ" | "СведФЛ" if under("СвУпПред") && self.rep.is_none() =>
            {
                self.rep = Some(attrs(e)?);
            }
            "ФИО" if under("СвУпПред") && self.rep_fio.is_none() => {
                self.rep_fio = Some(attrs(e)?);
            }
            "МашПолн" if under("СвПолн") => {
                let a = attrs(e)?;
                let what = get(&a, "НаимПолн").unwrap_or_default();
                let power = match get(&a, "КодПолн") {
                    Some(code) if !what.is_empty() => format!("{what} ({code})"),
                    Some(code) => code,
                    None => what,
                };
                if !power.is_empty() {
                    self.powers.push(cut(&power, 500));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(self) -> Result<Mchd, String> {
        if !self.root_seen {
            return Err("Файл пуст или не содержит доверенности".into());
        }
        let number = self
            .number
            .ok_or("В доверенности нет номера (СвДов/НомДовер)")?;
        let issued = date(self.issued, "дата выдачи", "ДатаВыдДовер")?;
        let valid_to = date(self.valid_to, "срок действия", "СрокДейст")?;
        if valid_to < issued {
            return Err("Срок действия доверенности раньше даты её выдачи".into());
        }
        let principal = if let Some(org) = self.org {
            let inn = get(&org, "ИННЮЛ")
                .ok_or("У доверителя-организации не указан ИНН (СвРосОрг/ИННЮЛ)")?;
            let inn = domain::ids::inn(&inn)
                .map_err(|e| format!("ИНН доверителя в доверенности: {e}"))?
                .0;
            Principal::Organisation {
                name: get(&org, "НаимОрг").unwrap_or_default(),
                inn,
                kpp: get(&org, "КПП"),
                ogrn: get(&org, "ОГРН"),
            }
        } else if self.principal_person.is_some() || self.principal_fio.is_some() {
            let a = self.principal_person.unwrap_or_default();
            Principal::Person {
                full_name: full_name(self.principal_fio.as_deref()),
                inn: id(&a, "ИННФЛ", "ИНН доверителя", |s| {
                    domain::ids::inn(s).map(|x| x.0)
                })?,
                snils: id(&a, "СНИЛС", "СНИЛС доверителя", domain::ids::snils)?,
            }
        } else {
            return Err("В доверенности нет сведений о доверителе (СвДоверит)".into());
        };
        let rep = self
            .rep
            .ok_or("В доверенности нет сведений о представителе (СвУпПред)")?;
        let representative = Representative {
            full_name: full_name(self.rep_fio.as_deref()),
            snils: id(&rep, "СНИЛС", "СНИЛС представителя", domain::ids::snils)?,
            inn: id(
                &rep,
                "ИННФЛ",
                "ИНН представителя",
                |s| domain::ids::inn(s).map(|x| x.0),
            )?,
        };
        if representative.full_name.is_empty() {
            return Err("В доверенности не указаны фамилия и имя представителя".into());
        }
        if representative.snils.is_none() && representative.inn.is_none() {
            return Err("У представителя в доверенности нет ни СНИЛС, ни ИНН".into());
        }
        if self.powers.is_empty() {
            return Err("В доверенности не перечислены полномочия (СвПолн)".into());
        }
        Ok(Mchd {
            number: cut(&number, 100),
            internal_number: self.internal_number,
            issued,
            valid_to,
            may_redelegate: self.may_redelegate,
            principal,
            representative,
            powers: self.powers,
        })
    }
}

fn date(raw: Option<String>, what: &str, attr: &str) -> Result<NaiveDate, String> {
    let raw = raw.ok_or_else(|| format!("В доверенности не указана {what} ({attr})"))?;
    NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&raw, "%d.%m.%Y"))
        .map_err(|_| {
            format!(
                "{} доверенности «{}» — не дата",
                capital(what),
                cut(&raw, 30)
            )
        })
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn id(
    a: &[(String, String)],
    key: &str,
    what: &str,
    check: impl Fn(&str) -> Result<String, String>,
) -> Result<Option<String>, String> {
    get(a, key)
        .map(|v| check(&v).map_err(|e| format!("{what} в доверенности: {e}")))
        .transpose()
}

fn full_name(fio: Option<&[(String, String)]>) -> String {
    let Some(a) = fio else {
        return String::new();
    };
    ["Фамилия", "Имя", "Отчество"]
        .iter()
        .filter_map(|k| get(a, k))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An organisation's МЧД shaped as the format describes, with the given parts swapped in.
    fn org_mchd(inn: &str, snils: &str, issued: &str, to: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Доверенность ВерсФорм="EMCHD_1" ПрЭлФорм="00000000">
  <Документ ВидДовер="1" КодНОДоверит="7700">
    <СвДов НомДовер="0f4b2c6e-1d8a-4c1e-9b5a-3e2f1a7c9d01" ВнНомДовер="15/2026" ДатаВыдДовер="{issued}" СрокДейст="{to}" ПрПередов="1"/>
    <СвДоверит ТипДоверит="1">
      <Доверит>
        <РосОргДовер>
          <СвРосОрг НаимОрг="ООО &quot;Ромашка&quot;" ИННЮЛ="{inn}" КПП="770101001" ОГРН="1027700132195"/>
          <ЛицоБезДов ПолнЛицоБезДов="1">
            <СвФЛ><СведФЛ><ФИО Фамилия="Директоров" Имя="Пётр" Отчество="Ильич"/></СведФЛ></СвФЛ>
          </ЛицоБезДов>
        </РосОргДовер>
      </Доверит>
    </СвДоверит>
    <СвУпПред ТипПред="1">
      <Пред>
        <СведФизЛ СНИЛС="{snils}" ИННФЛ="500100732259">
          <СведФЛ ДатаРожд="1985-04-12"><ФИО Фамилия="Сидорова" Имя="Анна" Отчество="Викторовна"/></СведФЛ>
        </СведФизЛ>
      </Пред>
    </СвУпПред>
    <СвПолн ТипПолн="0">
      <МашПолн КодПолн="SIGN_REPORTS" НаимПолн="Подписание и подача отчётности"/>
      <МашПолн КодПолн="PAYMENTS" НаимПолн="Оплата взносов"/>
    </СвПолн>
  </Документ>
</Доверенность>"#
        )
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    #[test]
    fn an_organisations_mchd_is_read_whole() {
        let m = parse(org_mchd("7707083893", "11223344595", "2026-01-15", "2027-01-15").as_bytes())
            .expect("read");
        assert_eq!(m.number, "0f4b2c6e-1d8a-4c1e-9b5a-3e2f1a7c9d01");
        assert_eq!(m.internal_number.as_deref(), Some("15/2026"));
        assert_eq!(m.issued, day("2026-01-15"));
        assert_eq!(m.valid_to, day("2027-01-15"));
        assert!(m.may_redelegate);
        assert_eq!(
            m.principal,
            Principal::Organisation {
                name: "ООО \"Ромашка\"".into(),
                inn: "7707083893".into(),
                kpp: Some("770101001".into()),
                ogrn: Some("1027700132195".into()),
            }
        );
        // The director who signed for the organisation is not the representative.
        assert_eq!(
            m.representative,
            Representative {
                full_name: "Сидорова Анна Викторовна".into(),
                snils: Some("11223344595".into()),
                inn: Some("500100732259".into()),
            }
        );
        assert_eq!(
            m.powers,
            [
                "Подписание и подача отчётности (SIGN_REPORTS)",
                "Оплата взносов (PAYMENTS)"
            ]
        );
        assert_eq!(
            m.basis(),
            "МЧД № 0f4b2c6e-1d8a-4c1e-9b5a-3e2f1a7c9d01 от 15.01.2026 до 15.01.2027"
        );
    }

    #[test]
    fn the_check_names_what_does_not_match() {
        let m = parse(org_mchd("7707083893", "11223344595", "2026-01-15", "2027-01-15").as_bytes())
            .expect("read");
        let today = day("2026-12-04");
        assert_eq!(
            m.check(Some("7707083893"), Some("11223344595"), None, today),
            Ok(())
        );
        assert_eq!(
            m.check(Some("7707083893"), None, Some("500100732259"), today),
            Ok(())
        );
        let other_principal = m
            .check(Some("7736050003"), Some("11223344595"), None, today)
            .unwrap_err();
        assert!(
            other_principal.contains("ИНН доверителя 7707083893"),
            "{other_principal}"
        );
        let other_person = m
            .check(Some("7707083893"), Some("08765430300"), None, today)
            .unwrap_err();
        assert!(
            other_person.contains("Сидорова Анна Викторовна — СНИЛС 112-233-445 95"),
            "{other_person}"
        );
        let expired = m
            .check(
                Some("7707083893"),
                Some("11223344595"),
                None,
                day("2027-01-16"),
            )
            .unwrap_err();
        assert_eq!(expired, "Срок действия доверенности истёк 15.01.2027");
        let early = m
            .check(
                Some("7707083893"),
                Some("11223344595"),
                None,
                day("2026-01-14"),
            )
            .unwrap_err();
        assert_eq!(
            early,
            "Дата выдачи доверенности 15.01.2026 ещё не наступила"
        );
    }

    #[test]
    fn a_persons_mchd_in_windows_1251_is_read() {
        let xml = r#"<?xml version="1.0" encoding="windows-1251"?>
<Доверенность ВерсФорм="EMCHD_1">
  <Документ>
    <СвДов НомДовер="a1b2c3d4-0000-4000-8000-000000000001" ДатаВыдДовер="2026-03-01" СрокДейст="2026-12-31"/>
    <СвДоверит ТипДоверит="4"><Доверит><ФЛ><СведФЛ ИННФЛ="500100732259"><ФИО Фамилия="Иванов" Имя="Иван"/></СведФЛ></ФЛ></Доверит></СвДоверит>
    <СвУпПред><Пред><СведФизЛ СНИЛС="112-233-445 95"><СведФЛ><ФИО Фамилия="Петрова" Имя="Мария"/></СведФЛ></СведФизЛ></Пред></СвУпПред>
    <СвПолн ТипПолн="1"><ТекстПолн>Представлять мои интересы
      в страховой компании</ТекстПолн></СвПолн>
  </Документ>
</Доверенность>"#;
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(xml);
        let m = parse(&bytes).expect("read");
        assert_eq!(
            m.principal,
            Principal::Person {
                full_name: "Иванов Иван".into(),
                inn: Some("500100732259".into()),
                snils: None,
            }
        );
        assert_eq!(m.representative.snils.as_deref(), Some("11223344595"));
        assert_eq!(m.representative.full_name, "Петрова Мария");
        assert_eq!(m.powers, ["Представлять мои интересы в страховой компании"]);
        assert!(!m.may_redelegate);
    }

    #[test]
    fn bad_and_foreign_files_get_a_message_naming_the_fault() {
        let good = org_mchd("7707083893", "11223344595", "2026-01-15", "2027-01-15");
        let cases: Vec<(String, &str)> = vec![
            ("".into(), "не содержит доверенности"),
            ("просто текст".into(), "не содержит доверенности"),
            ("<Доверенность ВерсФорм=\"EMCHD_1\"><Документ>".into(), "оборван: не закрыт элемент «Документ»"),
            ("<Доверенность ВерсФорм=\"EMCHD_1\"></Документ>".into(), "не читается как XML"),
            ("<Файл ИдФайл=\"ON_NSCHFDOPPR\"/>".into(), "начинается с «Файл»"),
            ("<Доверенность ВерсФорм=\"002\"/>".into(), "«002» не поддерживается"),
            ("<Доверенность/>".into(), "не указана версия формата"),
            (good.replace("НомДовер=\"0f4b", "Ном=\"0f4b"), "нет номера"),
            (good.replace("2027-01-15", "15 января"), "Срок действия доверенности «15 января» — не дата"),
            (good.replace("2027-01-15", "2025-01-15"), "раньше даты её выдачи"),
            (good.replace("7707083893", "7707083890"), "ИНН доверителя в доверенности: ИНН введён с ошибкой"),
            (good.replace("11223344595", "11223344500"), "СНИЛС представителя в доверенности"),
            (good.replace("<МашПолн КодПолн=\"SIGN_REPORTS\" НаимПолн=\"Подписание и подача отчётности\"/>", "").replace("<МашПолн КодПолн=\"PAYMENTS\" НаимПолн=\"Оплата взносов\"/>", ""), "не перечислены полномочия"),
            (good.replace("<СвУпПред ТипПред=\"1\">", "<Прочее>").replace("</СвУпПред>", "</Прочее>"), "нет сведений о представителе"),
            (
                format!("<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>{good}"),
                "есть DTD",
            ),
            ("<?xml version=\"1.0\" encoding=\"x-unknown\"?><Доверенность/>".into(), "Неизвестная кодировка"),
        ];
        for (xml, expected) in cases {
            let err = parse(xml.as_bytes()).expect_err(&xml);
            assert!(err.contains(expected), "{expected:?} not in {err:?}");
        }
        let huge = "x".repeat(MAX_BYTES + 1);
        assert!(
            parse(huge.as_bytes())
                .unwrap_err()
                .contains("больше 512 КБ")
        );
    }
}
