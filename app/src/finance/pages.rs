use super::{
    AddReminder, DeleteReminder, get_contribution, list_charges, list_contributions,
    list_programmes, list_reminders,
};
use crate::AuthEpoch;
use crate::components::{
    ErrorBox, Field, FormAlert, FormErrors, Pager, QueryProblems, date, money,
};
use crate::live::Live;
use crate::policies::today;
use domain::model::{ContributionRow, TablePage};
use domain::query::{QuickRange, SortKey, TableQuery};
use domain::status::{ChargeKind, PaymentStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The table query in the current URL.
fn url_query() -> Memo<TableQuery> {
    let parsed = url_parsed();
    Memo::new(move |_| parsed.with(|(q, _)| q.clone()))
}

/// What [`url_query`] dropped from the URL (a date or page out of range), to say so.
fn url_problems() -> Memo<domain::FieldErrors> {
    let parsed = url_parsed();
    Memo::new(move |_| parsed.with(|(_, p)| p.clone()))
}

/// The table query in the current URL and the problems of its dates and page.
fn url_parsed() -> Memo<(TableQuery, domain::FieldErrors)> {
    let map = use_query_map();
    Memo::new(move |_| {
        map.with(|m| {
            let mut pairs: Vec<(&'static str, String)> = Vec::new();
            for key in [
                "from",
                "to",
                "period",
                "programme",
                "kind",
                "status",
                "sort",
                "dir",
                "page",
            ] {
                for v in m.get_all(key).unwrap_or_default() {
                    pairs.push((key, v));
                }
            }
            TableQuery::parse_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())), today())
        })
    })
}

fn href(base: &str, q: &TableQuery) -> String {
    let s = q.to_query();
    if s.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{s}")
    }
}

#[component]
fn SortHeader(
    label: &'static str,
    key: SortKey,
    query: Memo<TableQuery>,
    base: &'static str,
    #[prop(optional)] num: bool,
) -> impl IntoView {
    let aria = move || {
        let q = query.get();
        (q.sort == key).then_some(if q.desc { "descending" } else { "ascending" })
    };
    let arrow = move || {
        let q = query.get();
        match (q.sort == key, q.desc) {
            (true, true) => " ▼",
            (true, false) => " ▲",
            _ => "",
        }
    };
    view! {
        <th scope="col" class:num=num aria-sort=aria>
            <a class="sort" href=move || href(base, &query.get().sorted_by(key))>
                {label}<span aria-hidden="true">{arrow}</span>
            </a>
        </th>
    }
}

/// The shared pager under a finance table: the page's links keep every other filter.
fn pager<T>(page: &TablePage<T>, query: &TableQuery, base: &'static str) -> impl IntoView + use<T> {
    let query = query.clone();
    view! {
        <Pager page=i64::from(page.page) per_page=i64::from(page.per_page) total=page.totals.count
            href=move |n| href(base, &query.with_page(u32::try_from(n).unwrap_or(1)))/>
    }
}

/// Links that set a quick period, keeping the other filters.
#[component]
fn QuickRanges(query: Memo<TableQuery>, base: &'static str) -> impl IntoView {
    view! {
        <nav class="quick" aria-label="Быстрый выбор периода">
            {QuickRange::ALL.into_iter().map(|r| {
                let link = move || {
                    let (from, to) = r.range(today());
                    href(base, &TableQuery { from, to, page: 1, ..query.get() })
                };
                let current = move || {
                    let q = query.get();
                    (r.range(today()) == (q.from, q.to)).then_some("true")
                };
                view! { <a class="chip" href=link aria-current=current>{r.label()}</a> }
            }).collect_view()}
        </nav>
    }
}

/// A fieldset of checkboxes `name=code`, checked as the URL says.
#[component]
fn CheckboxGroup(
    legend: &'static str,
    name: &'static str,
    /// (code, label)
    options: Vec<(String, String)>,
    selected: Signal<Vec<String>>,
) -> impl IntoView {
    view! {
        <fieldset class="field">
            <legend>{legend}</legend>
            {options.into_iter().map(|(code, label)| {
                let value = code.clone();
                let code = StoredValue::new(code);
                let checked = move || code.with_value(|c| selected.with(|s| s.contains(c)));
                view! {
                    <label class="choice">
                        <input type="checkbox" name=name value=value checked=checked prop:checked=checked/>
                        " " {label}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

#[component]
fn PeriodInputs(query: Memo<TableQuery>) -> impl IntoView {
    let from = move || query.get().from.map(|d| d.to_string()).unwrap_or_default();
    let to = move || query.get().to.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <div class="field">
            <label for="flt-from">"Период с"</label>
            <input id="flt-from" type="date" name="from" value=from prop:value=from/>
        </div>
        <div class="field">
            <label for="flt-to">"по"</label>
            <input id="flt-to" type="date" name="to" value=to prop:value=to/>
        </div>
    }
}

/// «Скачать XLSX», «Скачать PDF» of exactly the filtered rows, and «Печать» of the screen
/// (the print style sheet leaves the table and its totals).
#[component]
fn Downloads(base: &'static str, query: Memo<TableQuery>) -> impl IntoView {
    let href = move |ext: &str| format!("{base}/export.{ext}?{}", query.get().to_query());
    let print = |_| {
        #[cfg(feature = "hydrate")]
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    view! {
        <p class="downloads">
            <a class="btn" rel="external" download href=move || href("xlsx")>"Скачать XLSX"</a>
            <a class="btn" rel="external" download href=move || href("pdf")>"Скачать PDF"</a>
            <button type="button" class="btn" on:click=print>"Печать"</button>
        </p>
    }
}

/// The filter and the date, shown only on paper.
#[component]
fn PrintLine(text: String) -> impl IntoView {
    view! {
        <p class="print-only">{format!("{text}; выписка на {}", domain::dates::format_date(today()))}</p>
    }
}

/// Keeps the sort when the filter form is applied.
#[component]
fn SortInputs(query: Memo<TableQuery>) -> impl IntoView {
    view! {
        <input type="hidden" name="sort" value=move || query.get().sort.code()/>
        <input type="hidden" name="dir" value=move || if query.get().desc { "desc" } else { "asc" }/>
    }
}

#[component]
pub fn ContributionsPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let query = url_query();
    let live = expect_context::<Live>();
    let data = crate::codec::resource(
        move || (epoch.get(), live.finance.get(), query.get().to_query()),
        |(_, _, q)| list_contributions(q),
    );
    let programmes = crate::codec::resource(move || epoch.get(), |_| list_programmes());
    let (pending, set_pending) = signal(false);
    const BASE: &str = "/contributions";
    view! {
        <Title text="Взносы — Кабинет страхователя"/>
        <p class="crumbs">"Страхование"</p>
        <h1>"Взносы"</h1>
        <QueryProblems problems=url_problems()/>
        <Transition fallback=|| ()>
            {move || programmes.get().and_then(Result::ok).map(|list| {
                let q = query.get();
                let chosen: Vec<String> = list
                    .into_iter()
                    .filter(|p| q.programmes.contains(&p.code))
                    .map(|p| p.name)
                    .collect();
                view! { <PrintLine text=q.describe(Some(&chosen))/> }
            })}
        </Transition>
        <QuickRanges query base=BASE/>
        <Form method="GET" action=BASE attr:class="filters">
            <PeriodInputs query/>
            <Transition fallback=|| ()>
                {move || programmes.get().and_then(Result::ok).map(|list| view! {
                    <CheckboxGroup
                        legend="Программа"
                        name="programme"
                        options=list.into_iter().map(|p| (p.code, p.name)).collect()
                        selected=Signal::derive(move || query.get().programmes)
                    />
                })}
            </Transition>
            <SortInputs query/>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Применить"</button>
                <a class="btn" href=BASE>"Сбросить"</a>
            </div>
        </Form>
        <Downloads base=BASE query/>
        <div class="table-zone" aria-busy=move || pending.get().to_string() class:loading=pending>
            <Transition fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> } set_pending>
                {move || data.get().map(|r| match r {
                    Ok(page) => contributions_table(page, query.get_untracked()).into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </Transition>
        </div>
    }
}

fn contributions_table(page: TablePage<ContributionRow>, q: TableQuery) -> impl IntoView {
    const BASE: &str = "/contributions";
    let query = Memo::new(move |_| q.clone());
    let back = query.get_untracked().to_query();
    let totals = page.totals;
    let today = today();
    if page.totals.count == 0 {
        return view! { <p class="empty">"За выбранный период взносов нет. Измените фильтр или выберите «Всё время»."</p> }.into_any();
    }
    let rows = page.rows.clone();
    view! {
        <div class="table-wrap">
            <table class="table table-cards">
                <caption class="sr-only">"Взносы, отфильтрованные по периоду и программе"</caption>
                <thead>
                    <tr>
                        <SortHeader label="Дата начисления" key=SortKey::Date query base=BASE/>
                        <SortHeader label="Программа" key=SortKey::Programme query base=BASE/>
                        <SortHeader label="Размер взноса" key=SortKey::Amount query base=BASE num=true/>
                        <SortHeader label="Сумма уплаты" key=SortKey::Paid query base=BASE num=true/>
                        <SortHeader label="Остаток задолженности" key=SortKey::Debt query base=BASE num=true/>
                        <th scope="col">"Статус"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|c| {
                        let link = if back.is_empty() { format!("{BASE}/{}", c.id) } else { format!("{BASE}/{}?{back}", c.id) };
                        let debt = c.debt();
                        view! {
                            <tr>
                                <td data-label="Дата начисления"><a href=link>{date(c.accrued_on)}</a></td>
                                <td data-label="Программа">{c.programme.clone()}</td>
                                <td data-label="Размер взноса" class="num">{money(c.amount)}</td>
                                <td data-label="Сумма уплаты" class="num">{money(c.paid)}</td>
                                <td data-label="Остаток задолженности" class="num" class:debt={debt.0 > 0}>{money(debt)}</td>
                                <td data-label="Статус">{c.status_label(today)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
                <tfoot>
                    <tr class="totals">
                        <th scope="row" colspan="2">{format!("Итого по фильтру ({} шт.)", totals.count)}</th>
                        <td data-label="Начислено" class="num">{money(totals.accrued)}</td>
                        <td data-label="Уплачено" class="num">{money(totals.paid)}</td>
                        <td data-label="Задолженность" class="num">{money(totals.debt())}</td>
                        <td></td>
                    </tr>
                </tfoot>
            </table>
        </div>
        {pager(&page, &query.get_untracked(), BASE)}
    }
    .into_any()
}

#[component]
pub fn ContributionPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let params = use_params_map();
    // The detail's own query string is the filter of the table it came from.
    let filter = url_query();
    let back = move || href("/contributions", &filter.get());
    let data = crate::codec::resource(
        move || {
            (
                epoch.get(),
                params.with(|p| p.get("id").unwrap_or_default()),
            )
        },
        |(_, id)| get_contribution(id),
    );
    // Created here, beside `data`, not inside the Suspense: a resource first made while a
    // boundary resolves can be numbered differently in the browser and break hydration.
    let add = ServerAction::<AddReminder>::new();
    let delete = ServerAction::<DeleteReminder>::new();
    let live = expect_context::<Live>();
    let reminders = crate::codec::resource(
        move || {
            (
                params.with(|p| p.get("id").unwrap_or_default()),
                add.version().get(),
                delete.version().get(),
                live.notices.get(),
            )
        },
        |(id, _, _, _)| list_reminders(id),
    );
    view! {
        <p class="crumbs"><a href=back>"← Взносы"</a></p>
        <Suspense fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(d) => {
                    let today = today();
                    let c = d.row.clone();
                    let i = d.insurer.clone();
                    view! {
                        <Title text=format!("Взнос за {} — Кабинет страхователя", date(c.accrued_on))/>
                        <h1>{format!("Взнос за {}", c.accrued_on.format("%m.%Y"))}</h1>
                        <p class="lead">{c.programme.clone()} " · полис "
                            <a href=format!("/policies/{}", d.policy_id)>{d.policy_number.clone()}</a></p>
                        <dl class="facts">
                            <div><dt>"Статус обработки"</dt><dd>{c.status_label(today)}</dd></div>
                            <div><dt>"Дата начисления"</dt><dd>{date(c.accrued_on)}</dd></div>
                            <div><dt>"Срок уплаты"</dt><dd>{date(c.due_on)}</dd></div>
                            <div><dt>"Размер взноса"</dt><dd>{money(c.amount)}</dd></div>
                            <div><dt>"Уплачено"</dt><dd>{money(c.paid)}</dd></div>
                            <div><dt>"Остаток задолженности"</dt><dd class:debt={c.debt().0 > 0}>{money(c.debt())}</dd></div>
                        </dl>
                        <h2>"Реквизиты для оплаты"</h2>
                        <dl class="facts">
                            <div><dt>"Получатель"</dt><dd>{i.name.clone()}</dd></div>
                            <div><dt>"ИНН / КПП получателя"</dt><dd>{format!("{} / {}", i.inn, i.kpp)}</dd></div>
                            <div><dt>"Банк получателя"</dt><dd>{i.bank_name.clone()}</dd></div>
                            <div><dt>"БИК"</dt><dd>{i.bik.clone()}</dd></div>
                            <div><dt>"Расчётный счёт"</dt><dd>{i.account.clone()}</dd></div>
                            <div><dt>"Корреспондентский счёт"</dt><dd>{i.corr_account.clone()}</dd></div>
                            <div><dt>"КБК"</dt><dd>{d.kbk.clone()}</dd></div>
                            <div><dt>"Плательщик"</dt><dd>{format!("{}{}", d.policyholder_name, d.policyholder_inn.as_ref().map(|x| format!(", ИНН {x}")).unwrap_or_default())}</dd></div>
                            <div class="wide"><dt>"Назначение платежа"</dt><dd>{d.purpose.clone()}</dd></div>
                        </dl>
                        <h2>"Документы"</h2>
                        <ul class="doc-links">
                            <li><a rel="external" download href=format!("/contributions/{}/notice.pdf", c.id)>"Извещение на оплату (PDF)"</a></li>
                            <li><a href=format!("/policies/{}", d.policy_id)>{format!("Полис {}", d.policy_number)}</a></li>
                        </ul>
                        <Reminders contribution_id=c.id.clone() add delete list=reminders/>
                    }.into_any()
                }
                Err(e) => view! {
                    <Title text="Взнос не найден — Кабинет страхователя"/>
                    <h1>"Взнос не найден"</h1>
                    <ErrorBox error=e/>
                }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
pub fn ChargesPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let query = url_query();
    let live = expect_context::<Live>();
    let data = crate::codec::resource(
        move || (epoch.get(), live.finance.get(), query.get().to_query()),
        |(_, _, q)| list_charges(q),
    );
    let (pending, set_pending) = signal(false);
    const BASE: &str = "/charges";
    view! {
        <Title text="Начисления — Кабинет страхователя"/>
        <p class="crumbs">"Финансы"</p>
        <h1>"Начисления"</h1>
        <QueryProblems problems=url_problems()/>
        {move || view! { <PrintLine text=query.get().describe(None)/> }}
        <Transition fallback=|| ()>
            {move || data.get().and_then(Result::ok).map(|v| view! {
                <div class="cards balance" aria-live="polite">
                    <div class="card">
                        <span class="card-label">"К оплате"</span>
                        <span class="card-value" class:debt={v.balance.to_pay.0 > 0}>{money(v.balance.to_pay)}</span>
                    </div>
                    <div class="card">
                        <span class="card-label">"Переплата"</span>
                        <span class="card-value">{money(v.balance.overpaid)}</span>
                    </div>
                </div>
            })}
        </Transition>
        <QuickRanges query base=BASE/>
        <Downloads base=BASE query/>
        <Form method="GET" action=BASE attr:class="filters">
            <PeriodInputs query/>
            <CheckboxGroup
                legend="Тип"
                name="kind"
                options=ChargeKind::ALL.iter().map(|k| (k.code().to_string(), k.label().to_string())).collect()
                selected=Signal::derive(move || query.get().kinds.iter().map(|k| k.code().to_string()).collect())
            />
            <CheckboxGroup
                legend="Статус оплаты"
                name="status"
                options=PaymentStatus::ALL.iter().map(|s| (s.code().to_string(), s.label().to_string())).collect()
                selected=Signal::derive(move || query.get().statuses.iter().map(|s| s.code().to_string()).collect())
            />
            <SortInputs query/>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Применить"</button>
                <a class="btn" href=BASE>"Сбросить"</a>
            </div>
        </Form>
        <div class="table-zone" aria-busy=move || pending.get().to_string() class:loading=pending>
            <Transition fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> } set_pending>
                {move || data.get().map(|r| match r {
                    Ok(v) => {
                        let q = query.get_untracked();
                        let query = Memo::new(move |_| q.clone());
                        let page = v.page;
                        if page.totals.count == 0 {
                            return view! { <p class="empty">"Начислений по этому фильтру нет."</p> }.into_any();
                        }
                        let totals = page.totals;
                        view! {
                            <div class="table-wrap">
                                <table class="table table-cards">
                                    <caption class="sr-only">"Начисления, отфильтрованные по периоду, типу и статусу"</caption>
                                    <thead>
                                        <tr>
                                            <SortHeader label="Дата" key=SortKey::Date query base=BASE/>
                                            <SortHeader label="Тип" key=SortKey::Kind query base=BASE/>
                                            <th scope="col">"Основание"</th>
                                            <SortHeader label="Сумма" key=SortKey::Amount query base=BASE num=true/>
                                            <SortHeader label="Статус оплаты" key=SortKey::Status query base=BASE/>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {page.rows.iter().map(|c| {
                                            let (kind, status, basis) = (c.kind_label(), c.status_label(), c.basis());
                                            view! {
                                                <tr>
                                                    <td data-label="Дата">{date(c.charged_on)}</td>
                                                    <td data-label="Тип">{kind}</td>
                                                    <td data-label="Основание">{basis}</td>
                                                    <td data-label="Сумма" class="num">{money(c.amount)}</td>
                                                    <td data-label="Статус оплаты">{status}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                    <tfoot>
                                        <tr class="totals">
                                            <th scope="row" colspan="3">{format!("Итого по фильтру ({} шт.)", totals.count)}</th>
                                            <td data-label="Начислено" class="num">{money(totals.accrued)}</td>
                                            <td data-label="Из них оплачено">{format!("оплачено {}", money(totals.paid))}</td>
                                        </tr>
                                    </tfoot>
                                </table>
                            </div>
                            {pager(&page, &query.get_untracked(), BASE)}
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </Transition>
        </div>
    }
}

/// «Напоминания» of one contribution: the list with «Удалить», and «Установить напоминание».
/// Both are plain forms, so they work before the WASM loads too.
#[component]
fn Reminders(
    contribution_id: String,
    add: ServerAction<AddReminder>,
    delete: ServerAction<DeleteReminder>,
    list: crate::codec::Res<Result<Vec<domain::model::ReminderRow>, crate::error::AppError>>,
) -> impl IntoView {
    let errors = FormErrors::new();
    if let Some(Err(e)) = add.value().get_untracked() {
        errors.show::<()>(&Err(e));
    }
    let remind_at = RwSignal::new(String::new());
    let saved = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(result) = add.value().get() {
            errors.show(&result);
            if result.is_ok() {
                remind_at.set(String::new());
                saved.set(true);
            }
        }
    });
    let id = StoredValue::new(contribution_id);
    view! {
        <section class="reminders" aria-labelledby="reminders-title">
            <h2 id="reminders-title">"Напоминания"</h2>
            <Transition fallback=|| ()>
                {move || list.get().map(|r| match r {
                    Ok(items) if items.is_empty() => view! { <p class="muted">"Напоминаний нет."</p> }.into_any(),
                    Ok(items) => view! {
                        <ul class="reminder-list">
                            {items.into_iter().map(|r| {
                                let when = domain::dates::format_datetime(r.remind_at);
                                let state = if r.sent_at.is_some() { "отправлено" } else { "ожидает" };
                                view! {
                                    <li>
                                        <span>{format!("{when} — {state}")}</span>
                                        <ActionForm action=delete attr:class="inline-form">
                                            <input type="hidden" name="id" value=r.id.clone()/>
                                            <button type="submit" class="btn btn-link" aria-label=format!("Удалить напоминание на {when}")>"Удалить"</button>
                                        </ActionForm>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </Transition>
            <ActionForm action=add attr:class="form reminder-form" attr:novalidate=true>
                <FormAlert errors/>
                <input type="hidden" name="contribution_id" value=id.get_value()/>
                <Field
                    label="Дата и время напоминания"
                    name="remind_at"
                    kind="datetime-local"
                    errors
                    value=remind_at
                    hint="Московское время. Придёт письмо на вашу почту и уведомление в кабинете."
                />
                <button type="submit" class="btn btn-primary" disabled=move || add.pending().get()>
                    "Установить напоминание"
                </button>
                <p class="form-ok" role="status">{move || saved.get().then_some("Напоминание установлено")}</p>
            </ActionForm>
        </section>
    }
}
