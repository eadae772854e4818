//! «Скачать»: exactly the filtered rows of «Взносы» or «Начисления» as an XLSX workbook with real
//! date and number cells, the policyholder, the filter and the statement date on top, a frozen
//! header row, column widths and totals (summed in kopecks) at the bottom. Rows stream from the
//! database into the sheet in the page's order.

use crate::{Store, StoreError, StoreResult, on_pool_db};
use chrono::NaiveDate;
use domain::model::{ChargeRow, ContributionRow};
use domain::query::TableQuery;
use futures_util::TryStreamExt;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use sqlx::QueryBuilder;

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> StoreError {
    StoreError::Internal(format!("xlsx: {e}"))
}

/// The filter in words, for the header of a statement. `programme_names` are the chosen
/// programmes («Взносы»); kinds and statuses are named when chosen («Начисления»).
pub fn describe_filter(f: &TableQuery, programme_names: Option<&[String]>) -> String {
    let date = domain::dates::format_date;
    let period = match (f.from, f.to) {
        (Some(a), Some(b)) => format!("с {} по {}", date(a), date(b)),
        (Some(a), None) => format!("с {}", date(a)),
        (None, Some(b)) => format!("по {}", date(b)),
        (None, None) => "всё время".to_string(),
    };
    let all_or = |names: Vec<&str>| {
        if names.is_empty() {
            "все".to_string()
        } else {
            names.join(", ")
        }
    };
    let mut parts = vec![format!("Период: {period}")];
    if let Some(names) = programme_names {
        parts.push(format!(
            "программы: {}",
            all_or(names.iter().map(String::as_str).collect())
        ));
    } else {
        parts.push(format!(
            "типы: {}",
            all_or(f.kinds.iter().map(|k| k.label()).collect())
        ));
        parts.push(format!(
            "статусы: {}",
            all_or(f.statuses.iter().map(|s| s.label()).collect())
        ));
    }
    parts.join("; ")
}

/// The cell formats of a statement.
struct Formats {
    bold: Format,
    date: Format,
    money: Format,
    money_total: Format,
}

/// Writes the statement's title, filter, date and the frozen header row; returns the first data row.
fn start_sheet(
    sheet: &mut Worksheet,
    name: &str,
    title: &str,
    filter: &str,
    today: NaiveDate,
    columns: &[(&str, f64)],
) -> StoreResult<(u32, Formats)> {
    sheet.set_name(name).map_err(xlsx_err)?;
    let head = Format::new()
        .set_bold()
        .set_background_color("#E6EEF6")
        .set_border_bottom(FormatBorder::Thin)
        .set_text_wrap();
    sheet
        .write_with_format(0, 0, title, &Format::new().set_bold().set_font_size(14))
        .map_err(xlsx_err)?;
    sheet.write(1, 0, filter).map_err(xlsx_err)?;
    sheet
        .write(
            2,
            0,
            format!("Дата выписки: {}", domain::dates::format_date(today)),
        )
        .map_err(xlsx_err)?;
    let header_row = 4u32;
    for (col, (label, width)) in columns.iter().enumerate() {
        let col =
            u16::try_from(col).map_err(|_| StoreError::Internal("too many columns".into()))?;
        sheet
            .write_with_format(header_row, col, *label, &head)
            .map_err(xlsx_err)?;
        sheet.set_column_width(col, *width).map_err(xlsx_err)?;
    }
    sheet
        .set_freeze_panes(header_row + 1, 0)
        .map_err(xlsx_err)?;
    let money = Format::new().set_num_format("#,##0.00\\ \"₽\"");
    let formats = Formats {
        bold: Format::new().set_bold(),
        date: Format::new()
            .set_num_format("dd.mm.yyyy")
            .set_align(FormatAlign::Left),
        money_total: money.clone().set_bold().set_border_top(FormatBorder::Thin),
        money,
    };
    Ok((header_row + 1, formats))
}

fn write_date(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    d: NaiveDate,
    f: &Formats,
) -> StoreResult<()> {
    use chrono::Datelike;
    let value = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
        .map_err(xlsx_err)?;
    sheet
        .write_datetime_with_format(row, col, value, &f.date)
        .map_err(xlsx_err)?;
    Ok(())
}

/// Kopecks as a rouble amount cell.
fn write_money(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    kopecks: i64,
    format: &Format,
) -> StoreResult<()> {
    sheet
        .write_number_with_format(row, col, kopecks as f64 / 100.0, format)
        .map_err(xlsx_err)?;
    Ok(())
}

impl Store {
    /// The filtered contributions as an XLSX file.
    pub async fn contributions_xlsx(
        &self,
        account_id: &str,
        policyholder_id: &str,
        f: &TableQuery,
    ) -> StoreResult<Vec<u8>> {
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        let programmes = self.programmes_of(account_id, policyholder_id).await?;
        let chosen: Vec<String> = programmes
            .iter()
            .filter(|p| f.programmes.contains(&p.code))
            .map(|p| p.name.clone())
            .collect();
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let (first, fm) = start_sheet(
            sheet,
            "Взносы",
            &format!("Взносы: {}", holder.name),
            &describe_filter(f, Some(&chosen)),
            self.today(),
            &[
                ("Дата начисления", 16.0),
                ("Срок уплаты", 14.0),
                ("Наименование программы", 42.0),
                ("Размер взноса, ₽", 18.0),
                ("Сумма уплаты, ₽", 18.0),
                ("Остаток задолженности, ₽", 22.0),
            ],
        )?;
        let mut row = first;
        let (mut accrued, mut paid) = (0i64, 0i64);
        on_pool_db!(self, p, Db => {
            let mut q = QueryBuilder::<Db>::new(
                "SELECT c.id, c.accrued_on, c.due_on, g.name AS programme, c.amount, c.paid
                 FROM contributions c JOIN programmes g ON g.id = c.programme_id",
            );
            contribution_filter!(q, policyholder_id, f);
            q.push(crate::finance::contribution_order(f));
            let mut rows = q.build_query_as::<ContributionRow>().fetch(p);
            while let Some(c) = rows.try_next().await? {
                write_date(sheet, row, 0, c.accrued_on, &fm)?;
                write_date(sheet, row, 1, c.due_on, &fm)?;
                sheet.write(row, 2, &c.programme).map_err(xlsx_err)?;
                write_money(sheet, row, 3, c.amount.0, &fm.money)?;
                write_money(sheet, row, 4, c.paid.0, &fm.money)?;
                write_money(sheet, row, 5, c.debt().0, &fm.money)?;
                accrued += c.amount.0;
                paid += c.paid.0;
                row += 1;
            }
            Ok::<(), StoreError>(())
        })?;
        sheet
            .write_with_format(row, 0, format!("Итого ({} шт.)", row - first), &fm.bold)
            .map_err(xlsx_err)?;
        write_money(sheet, row, 3, accrued, &fm.money_total)?;
        write_money(sheet, row, 4, paid, &fm.money_total)?;
        write_money(sheet, row, 5, accrued - paid, &fm.money_total)?;
        book.save_to_buffer().map_err(xlsx_err)
    }

    /// The filtered charges as an XLSX file.
    pub async fn charges_xlsx(
        &self,
        account_id: &str,
        policyholder_id: &str,
        f: &TableQuery,
    ) -> StoreResult<Vec<u8>> {
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let (first, fm) = start_sheet(
            sheet,
            "Начисления",
            &format!("Начисления: {}", holder.name),
            &describe_filter(f, None),
            self.today(),
            &[
                ("Дата", 14.0),
                ("Тип", 14.0),
                ("Основание", 56.0),
                ("Сумма, ₽", 18.0),
                ("Статус оплаты", 22.0),
            ],
        )?;
        let mut row = first;
        let (mut total, mut paid) = (0i64, 0i64);
        on_pool_db!(self, p, Db => {
            let mut q = QueryBuilder::<Db>::new(
                "SELECT ch.id, ch.charged_on, ch.kind, ch.amount, ch.status, ch.description, p.number AS policy_number
                 FROM charges ch LEFT JOIN policies p ON p.id = ch.policy_id",
            );
            charge_filter!(q, policyholder_id, f);
            q.push(crate::finance::charge_order(f));
            let mut rows = q.build_query_as::<ChargeRow>().fetch(p);
            while let Some(c) = rows.try_next().await? {
                write_date(sheet, row, 0, c.charged_on, &fm)?;
                sheet.write(row, 1, c.kind_label()).map_err(xlsx_err)?;
                sheet.write(row, 2, c.basis()).map_err(xlsx_err)?;
                write_money(sheet, row, 3, c.amount.0, &fm.money)?;
                sheet.write(row, 4, c.status_label()).map_err(xlsx_err)?;
                total += c.amount.0;
                if c.status == "paid" {
                    paid += c.amount.0;
                }
                row += 1;
            }
            Ok::<(), StoreError>(())
        })?;
        sheet
            .write_with_format(row, 0, format!("Итого ({} шт.)", row - first), &fm.bold)
            .map_err(xlsx_err)?;
        write_money(sheet, row, 3, total, &fm.money_total)?;
        sheet
            .write_with_format(row + 1, 0, "Из них оплачено", &fm.bold)
            .map_err(xlsx_err)?;
        write_money(sheet, row + 1, 3, paid, &fm.money_total)?;
        book.save_to_buffer().map_err(xlsx_err)
    }
}
