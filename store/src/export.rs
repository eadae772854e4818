//! «Скачать»: exactly the filtered rows of «Взносы» or «Начисления» as an XLSX workbook (real
//! date and number cells, a frozen header row, column widths) or a PDF statement, each with the
//! policyholder, the filter and the statement date on top and totals (summed in kopecks) at the
//! bottom. Rows stream from the database in the page's order through one loop per table.

use crate::pdf::{Align, Column, Statement};
use crate::{Store, StoreError, StoreResult, on_pool_db};
use chrono::NaiveDate;
use domain::dates::format_date;
use domain::model::{ChargeRow, ContributionRow};
use domain::money::Money;
use domain::query::TableQuery;
use futures_util::TryStreamExt;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use sqlx::QueryBuilder;

pub(crate) fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> StoreError {
    StoreError::Internal(format!("xlsx: {e}"))
}

/// The filter in words, for the header of a statement.
pub fn describe_filter(f: &TableQuery, programme_names: Option<&[String]>) -> String {
    f.describe(programme_names)
}

/// The cell formats of a statement.
pub(crate) struct Formats {
    pub(crate) bold: Format,
    date: Format,
    pub(crate) money: Format,
    pub(crate) money_total: Format,
}

/// Writes the statement's title, filter, date and the frozen header row; returns the first data row.
pub(crate) fn start_sheet(
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

pub(crate) fn write_date(
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
pub(crate) fn write_money(
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

/// What heads a statement: whose it is and which rows it holds.
struct Head {
    holder: String,
    filter: String,
    /// The policies the caller's authority covers ([`crate::policyholders::policy_scope`]).
    scope: String,
}

const CONTRIBUTION_COLUMNS: [(&str, f64, f32, Align); 6] = [
    ("Дата начисления", 16.0, 1.1, Align::Left),
    ("Срок уплаты", 14.0, 1.0, Align::Left),
    ("Наименование программы", 42.0, 2.6, Align::Left),
    ("Размер взноса, ₽", 18.0, 1.3, Align::Right),
    ("Сумма уплаты, ₽", 18.0, 1.3, Align::Right),
    ("Остаток задолженности, ₽", 22.0, 1.4, Align::Right),
];

const CHARGE_COLUMNS: [(&str, f64, f32, Align); 5] = [
    ("Дата", 14.0, 1.0, Align::Left),
    ("Тип", 14.0, 1.0, Align::Left),
    ("Основание", 56.0, 3.6, Align::Left),
    ("Сумма, ₽", 18.0, 1.3, Align::Right),
    ("Статус оплаты", 22.0, 1.4, Align::Left),
];

fn xlsx_columns<const N: usize>(
    c: &[(&'static str, f64, f32, Align); N],
) -> Vec<(&'static str, f64)> {
    c.iter().map(|(t, w, _, _)| (*t, *w)).collect()
}

fn pdf_columns<const N: usize>(c: &[(&'static str, f64, f32, Align); N]) -> Vec<Column> {
    c.iter()
        .map(|(title, _, share, align)| Column {
            title,
            share: *share,
            align: *align,
        })
        .collect()
}

/// An amount for a PDF cell: digits grouped, no currency sign (the column heading has it).
pub fn pdf_amount(kopecks: i64) -> String {
    let s = Money(kopecks).to_string();
    s.trim_end_matches('₽').trim_end().to_string()
}

impl Store {
    async fn contribution_head(
        &self,
        account_id: &str,
        policyholder_id: &str,
        f: &TableQuery,
    ) -> StoreResult<Head> {
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        let programmes = self.programmes_of(account_id, policyholder_id).await?;
        let chosen: Vec<String> = programmes
            .iter()
            .filter(|p| f.programmes.contains(&p.code))
            .map(|p| p.name.clone())
            .collect();
        Ok(Head {
            scope: crate::policyholders::policy_scope(&holder, "c.policy_id"),
            holder: holder.name,
            filter: describe_filter(f, Some(&chosen)),
        })
    }

    async fn charge_head(
        &self,
        account_id: &str,
        policyholder_id: &str,
        f: &TableQuery,
    ) -> StoreResult<Head> {
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        Ok(Head {
            scope: crate::policyholders::policy_scope(&holder, "ch.policy_id"),
            holder: holder.name,
            filter: describe_filter(f, None),
        })
    }

    /// Streams the filtered contributions in the page's order into `each`; the caller has
    /// checked the authority.
    async fn each_contribution(
        &self,
        policyholder_id: &str,
        f: &TableQuery,
        scope: &str,
        mut each: impl FnMut(ContributionRow) -> StoreResult<()>,
    ) -> StoreResult<()> {
        on_pool_db!(self, p, Db => {
            let mut q = QueryBuilder::<Db>::new(
                "SELECT c.id, c.accrued_on, c.due_on, g.name AS programme, c.amount, c.paid
                 FROM contributions c JOIN programmes g ON g.id = c.programme_id",
            );
            contribution_filter!(q, policyholder_id, f, scope);
            q.push(crate::finance::contribution_order(f));
            let mut rows = q.build_query_as::<ContributionRow>().fetch(p);
            while let Some(c) = rows.try_next().await? {
                each(c)?;
            }
            Ok::<(), StoreError>(())
        })
    }

    /// Streams the filtered charges in the page's order into `each`.
    async fn each_charge(
        &self,
        policyholder_id: &str,
        f: &TableQuery,
        scope: &str,
        mut each: impl FnMut(ChargeRow) -> StoreResult<()>,
    ) -> StoreResult<()> {
        on_pool_db!(self, p, Db => {
            let mut q = QueryBuilder::<Db>::new(
                "SELECT ch.id, ch.charged_on, ch.kind, ch.amount, ch.status, ch.description, p.number AS policy_number
                 FROM charges ch LEFT JOIN policies p ON p.id = ch.policy_id",
            );
            charge_filter!(q, policyholder_id, f, scope);
            q.push(crate::finance::charge_order(f));
            let mut rows = q.build_query_as::<ChargeRow>().fetch(p);
            while let Some(c) = rows.try_next().await? {
                each(c)?;
            }
            Ok::<(), StoreError>(())
        })
    }

    /// The filtered contributions as an XLSX file. The sheet is written in constant-memory mode:
    /// each row goes to a temporary file as it arrives, so 100,000 rows are never held twice.
    pub async fn contributions_xlsx(
        &self,
        account_id: &str,
        policyholder_id: &str,
        f: &TableQuery,
    ) -> StoreResult<Vec<u8>> {
        let head = self
            .contribution_head(account_id, policyholder_id, f)
            .await?;
        let mut book = Workbook::new();
        let sheet = book
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_err)?;
        let (first, fm) = start_sheet(
            sheet,
            "Взносы",
            &format!("Взносы: {}", head.holder),
            &head.filter,
            self.today(),
            &xlsx_columns(&CONTRIBUTION_COLUMNS),
        )?;
        let mut row = first;
        let (mut accrued, mut paid) = (0i64, 0i64);
        self.each_contribution(policyholder_id, f, &head.scope, |c| {
            write_date(sheet, row, 0, c.accrued_on, &fm)?;
            write_date(sheet, row, 1, c.due_on, &fm)?;
            sheet.write(row, 2, &c.programme).map_err(xlsx_err)?;
            write_money(sheet, row, 3, c.amount.0, &fm.money)?;
            write_money(sheet, row, 4, c.paid.0, &fm.money)?;
            write_money(sheet, row, 5, c.debt().0, &fm.money)?;
            accrued += c.amount.0;
            paid += c.paid.0;
            row += 1;
            Ok(())
        })
        .await?;
        sheet
            .write_with_format(row, 0, format!("Итого ({} шт.)", row - first), &fm.bold)
            .map_err(xlsx_err)?;
        write_money(sheet, row, 3, accrued, &fm.money_total)?;
        write_money(sheet, row, 4, paid, &fm.money_total)?;
        write_money(sheet, row, 5, accrued - paid, &fm.money_total)?;
        book.save_to_buffer().map_err(xlsx_err)
    }

    /// The filtered contributions as a PDF statement.
    pub async fn contributions_pdf(
        &self,
        account_id: &str,
        policyholder_id: &str,
        f: &TableQuery,
    ) -> StoreResult<Vec<u8>> {
        let head = self
            .contribution_head(account_id, policyholder_id, f)
            .await?;
        let scope = head.scope.clone();
        let mut doc = self.statement("Взносы", head, &pdf_columns(&CONTRIBUTION_COLUMNS));
        let (mut count, mut accrued, mut paid) = (0usize, 0i64, 0i64);
        self.each_contribution(policyholder_id, f, &scope, |c| {
            doc.push(vec![
                format_date(c.accrued_on),
                format_date(c.due_on),
                c.programme.clone(),
                pdf_amount(c.amount.0),
                pdf_amount(c.paid.0),
                pdf_amount(c.debt().0),
            ]);
            count += 1;
            accrued += c.amount.0;
            paid += c.paid.0;
            Ok(())
        })
        .await?;
        doc.push_total(vec![
            format!("Итого ({count} шт.)"),
            String::new(),
            String::new(),
            pdf_amount(accrued),
            pdf_amount(paid),
            pdf_amount(accrued - paid),
        ]);
        render_pdf(doc).await
    }

    /// The filtered charges as an XLSX file (constant-memory, like the contributions).
    pub async fn charges_xlsx(
        &self,
        account_id: &str,
        policyholder_id: &str,
        f: &TableQuery,
    ) -> StoreResult<Vec<u8>> {
        let head = self.charge_head(account_id, policyholder_id, f).await?;
        let mut book = Workbook::new();
        let sheet = book
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_err)?;
        let (first, fm) = start_sheet(
            sheet,
            "Начисления",
            &format!("Начисления: {}", head.holder),
            &head.filter,
            self.today(),
            &xlsx_columns(&CHARGE_COLUMNS),
        )?;
        let mut row = first;
        let (mut total, mut paid) = (0i64, 0i64);
        self.each_charge(policyholder_id, f, &head.scope, |c| {
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
            Ok(())
        })
        .await?;
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

    /// The filtered charges as a PDF statement.
    pub async fn charges_pdf(
        &self,
        account_id: &str,
        policyholder_id: &str,
        f: &TableQuery,
    ) -> StoreResult<Vec<u8>> {
        let head = self.charge_head(account_id, policyholder_id, f).await?;
        let scope = head.scope.clone();
        let mut doc = self.statement("Начисления", head, &pdf_columns(&CHARGE_COLUMNS));
        let (mut count, mut total, mut paid) = (0usize, 0i64, 0i64);
        self.each_charge(policyholder_id, f, &scope, |c| {
            doc.push(vec![
                format_date(c.charged_on),
                c.kind_label().to_string(),
                c.basis(),
                pdf_amount(c.amount.0),
                c.status_label().to_string(),
            ]);
            count += 1;
            total += c.amount.0;
            if c.status == "paid" {
                paid += c.amount.0;
            }
            Ok(())
        })
        .await?;
        doc.push_total(vec![
            format!("Итого ({count} шт.)"),
            String::new(),
            String::new(),
            pdf_amount(total),
            String::new(),
        ]);
        doc.push_total(vec![
            "Из них оплачено".into(),
            String::new(),
            String::new(),
            pdf_amount(paid),
            String::new(),
        ]);
        render_pdf(doc).await
    }

    /// «Извещение на оплату»: the contribution's payment requisites as a PDF to pay by at a bank
    /// or to attach to an accounting record; "not found" unless the caller may see it.
    pub async fn contribution_notice_pdf(
        &self,
        account_id: &str,
        policyholder_id: &str,
        contribution_id: &str,
    ) -> StoreResult<Vec<u8>> {
        let d = self
            .contribution(account_id, policyholder_id, contribution_id)
            .await?;
        let i = &d.insurer;
        let today = format_date(self.today());
        let mut doc = Statement::new(
            format!(
                "Извещение на оплату взноса за {}",
                d.row.accrued_on.format("%m.%Y")
            ),
            vec![
                format!("Полис {} · {}", d.policy_number, d.row.programme),
                format!("Статус на {today}: {}", d.row.status_label(self.today())),
            ],
            &[
                Column {
                    title: "Реквизит",
                    share: 1.0,
                    align: Align::Left,
                },
                Column {
                    title: "Значение",
                    share: 2.6,
                    align: Align::Left,
                },
            ],
            format!("Кабинет страхователя · извещение сформировано {today}"),
        );
        let payer = match &d.policyholder_inn {
            Some(inn) => format!("{}, ИНН {inn}", d.policyholder_name),
            None => d.policyholder_name.clone(),
        };
        for (k, v) in [
            ("Получатель", i.name.clone()),
            ("ИНН / КПП получателя", format!("{} / {}", i.inn, i.kpp)),
            ("Банк получателя", i.bank_name.clone()),
            ("БИК", i.bik.clone()),
            ("Расчётный счёт", i.account.clone()),
            ("Корреспондентский счёт", i.corr_account.clone()),
            ("КБК", d.kbk.clone()),
            ("Плательщик", payer),
            ("Назначение платежа", d.purpose.clone()),
            ("Размер взноса", d.row.amount.to_string()),
            ("Уплачено", d.row.paid.to_string()),
            ("Срок уплаты", format_date(d.row.due_on)),
        ] {
            doc.push(vec![k.to_string(), v]);
        }
        doc.push_total(vec!["К оплате".into(), d.row.debt().to_string()]);
        render_pdf(doc).await
    }

    fn statement(&self, table: &str, head: Head, columns: &[Column]) -> Statement {
        let today = format_date(self.today());
        Statement::new(
            format!("{table}: {}", head.holder),
            vec![head.filter, format!("Дата выписки: {today}")],
            columns,
            format!("Кабинет страхователя · {table} · выписка от {today}"),
        )
    }
}

/// Laying out and drawing thousands of rows is CPU work: off the async threads.
pub(crate) async fn render_pdf(doc: Statement) -> StoreResult<Vec<u8>> {
    tokio::task::spawn_blocking(move || doc.render())
        .await
        .map_err(|e| StoreError::Internal(format!("pdf task: {e}")))?
}
