//! «Скачать»: exactly the filtered rows of «Взносы» as an XLSX workbook with real date and number
//! cells, the policyholder, the filter and the statement date on top, a frozen header row, column
//! widths and totals at the bottom. Rows stream from the database into the sheet.

use crate::{Store, StoreError, StoreResult, on_pool_db};
use domain::model::ContributionRow;
use domain::query::TableQuery;
use futures_util::TryStreamExt;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};
use sqlx::QueryBuilder;

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> StoreError {
    StoreError::Internal(format!("xlsx: {e}"))
}

fn excel_date(d: chrono::NaiveDate) -> StoreResult<ExcelDateTime> {
    use chrono::Datelike;
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).map_err(xlsx_err)
}

/// The filter in words, for the header of a statement.
pub fn describe_filter(f: &TableQuery, programme_names: &[String]) -> String {
    let period = match (f.from, f.to) {
        (Some(a), Some(b)) => format!(
            "с {} по {}",
            domain::dates::format_date(a),
            domain::dates::format_date(b)
        ),
        (Some(a), None) => format!("с {}", domain::dates::format_date(a)),
        (None, Some(b)) => format!("по {}", domain::dates::format_date(b)),
        (None, None) => "всё время".to_string(),
    };
    let programmes = if programme_names.is_empty() {
        "все".to_string()
    } else {
        programme_names.join(", ")
    };
    format!("Период: {period}; программы: {programmes}")
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
        let today = self.today();

        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Взносы").map_err(xlsx_err)?;
        let bold = Format::new().set_bold();
        let title = Format::new().set_bold().set_font_size(14);
        let head = Format::new()
            .set_bold()
            .set_background_color("#E6EEF6")
            .set_border_bottom(FormatBorder::Thin)
            .set_text_wrap();
        let date = Format::new()
            .set_num_format("dd.mm.yyyy")
            .set_align(FormatAlign::Left);
        let money = Format::new().set_num_format("#,##0.00\\ \"₽\"");
        let money_bold = money.clone().set_bold().set_border_top(FormatBorder::Thin);

        sheet
            .write_with_format(0, 0, format!("Взносы: {}", holder.name), &title)
            .map_err(xlsx_err)?;
        sheet
            .write(1, 0, describe_filter(f, &chosen))
            .map_err(xlsx_err)?;
        sheet
            .write(
                2,
                0,
                format!("Дата выписки: {}", domain::dates::format_date(today)),
            )
            .map_err(xlsx_err)?;
        let header_row = 4u32;
        for (col, name) in [
            "Дата начисления",
            "Срок уплаты",
            "Наименование программы",
            "Размер взноса, ₽",
            "Сумма уплаты, ₽",
            "Остаток задолженности, ₽",
        ]
        .iter()
        .enumerate()
        {
            sheet
                .write_with_format(header_row, col as u16, *name, &head)
                .map_err(xlsx_err)?;
        }
        for (col, width) in [16.0, 14.0, 42.0, 18.0, 18.0, 22.0].iter().enumerate() {
            sheet
                .set_column_width(col as u16, *width)
                .map_err(xlsx_err)?;
        }
        sheet
            .set_freeze_panes(header_row + 1, 0)
            .map_err(xlsx_err)?;

        let mut row = header_row + 1;
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
                sheet.write_datetime_with_format(row, 0, excel_date(c.accrued_on)?, &date).map_err(xlsx_err)?;
                sheet.write_datetime_with_format(row, 1, excel_date(c.due_on)?, &date).map_err(xlsx_err)?;
                sheet.write(row, 2, &c.programme).map_err(xlsx_err)?;
                sheet.write_number_with_format(row, 3, c.amount.0 as f64 / 100.0, &money).map_err(xlsx_err)?;
                sheet.write_number_with_format(row, 4, c.paid.0 as f64 / 100.0, &money).map_err(xlsx_err)?;
                sheet.write_number_with_format(row, 5, c.debt().0 as f64 / 100.0, &money).map_err(xlsx_err)?;
                accrued += c.amount.0;
                paid += c.paid.0;
                row += 1;
            }
            Ok::<(), StoreError>(())
        })?;
        let count = row - header_row - 1;
        sheet
            .write_with_format(row, 0, format!("Итого ({count} шт.)"), &bold)
            .map_err(xlsx_err)?;
        // Totals are summed in kopecks, not by the spreadsheet's floating point.
        sheet
            .write_number_with_format(row, 3, accrued as f64 / 100.0, &money_bold)
            .map_err(xlsx_err)?;
        sheet
            .write_number_with_format(row, 4, paid as f64 / 100.0, &money_bold)
            .map_err(xlsx_err)?;
        sheet
            .write_number_with_format(row, 5, (accrued - paid) as f64 / 100.0, &money_bold)
            .map_err(xlsx_err)?;
        book.save_to_buffer().map_err(xlsx_err)
    }
}
