//! «Мои клиенты» (`/clients`): for whoever acts for others, every policyholder they hold authority
//! over, found by name, ИНН or policy number, with the overdue debt, the next payment, the next
//! deadline and the open requests each (as far as the authority shows them), and «Перейти» to act
//! for one. The rules live in `domain::clients` and `store::clients`.

use crate::auth::SwitchPolicyholder;
use crate::components::{ErrorBox, Pager, QueryProblems};
use crate::error::AppError;
use domain::clients::{ClientDebtsPage, ClientFilter, ClientPage};
use domain::dates::{format_date, format_datetime};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_navigate, use_query_map};

#[server(endpoint = "clients/page", output = crate::codec::Postcard)]
pub async fn get_clients(
    search: Option<String>,
    overdue: Option<String>,
    page: Option<String>,
) -> Result<ClientPage, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let f = ClientFilter::checked(search, overdue, page).map_err(AppError::Fields)?;
    match store()?.clients(&s.account_id, &f).await {
        Ok(p) => Ok(p),
        Err(e) => fail(e.into()),
    }
}

/// «Задолженности всех клиентов».
#[server(endpoint = "clients/debts", output = crate::codec::Postcard)]
pub async fn get_client_debts(
    search: Option<String>,
    overdue: Option<String>,
    page: Option<String>,
) -> Result<ClientDebtsPage, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let f = ClientFilter::checked(search, overdue, page).map_err(AppError::Fields)?;
    match store()?.clients_debts(&s.account_id, &f).await {
        Ok(p) => Ok(p),
        Err(e) => fail(e.into()),
    }
}

/// The filter of both pages, read from the address.
fn url_filter() -> (Memo<ClientFilter>, Signal<domain::FieldErrors>) {
    let q = use_query_map();
    let parsed = Memo::new(move |_| {
        q.with(|m| ClientFilter::parse(m.get("search"), m.get("overdue"), m.get("page")))
    });
    (
        Memo::new(move |_| parsed.with(|(f, _)| f.clone())),
        Signal::derive(move || parsed.with(|(_, p)| p.clone())),
    )
}

/// The two views of the workspace.
#[component]
fn Tabs(current: &'static str) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        let here = href == current;
        view! { <a href=href class="tab" class:tab-current=here aria-current=here.then_some("page")>{label}</a> }
    };
    view! {
        <nav class="tabs" aria-label="Клиенты">
            {tab("/clients", "Клиенты")}
            {tab("/clients/debts", "Задолженности всех клиентов")}
        </nav>
    }
}

/// The search form of both pages.
#[component]
fn ClientSearch(action: &'static str, filter: ClientFilter) -> impl IntoView {
    view! {
        <Form method="GET" action=action attr:class="filters">
            <div class="field">
                <label for="f-search">"Поиск"</label>
                <p class="hint" id="f-search-hint">"Наименование или ФИО, ИНН, номер полиса"</p>
                <input id="f-search" type="search" name="search" maxlength="100" aria-describedby="f-search-hint"
                    value=filter.search.clone().unwrap_or_default()/>
            </div>
            <label class="checkbox">
                <input type="checkbox" name="overdue" value="1" checked=filter.overdue/>
                "Только с просроченной задолженностью"
            </label>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Найти"</button>
                <a class="btn" href=action>"Сбросить"</a>
            </div>
        </Form>
    }
}

#[component]
pub fn ClientDebtsView() -> impl IntoView {
    let epoch = expect_context::<crate::AuthEpoch>();
    let (filter, problems) = url_filter();
    let data = crate::codec::resource(
        move || (epoch.get(), filter.get()),
        |(_, f)| {
            get_client_debts(
                f.search,
                f.overdue.then(|| "1".to_string()),
                Some(f.page.to_string()),
            )
        },
    );
    view! {
        <Title text="Задолженности всех клиентов — Кабинет страхователя"/>
        <h1>"Задолженности всех клиентов"</h1>
        <Tabs current="/clients/debts"/>
        <QueryProblems problems/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(p) => view! { <DebtList p filter=filter.get_untracked()/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn DebtList(p: ClientDebtsPage, filter: ClientFilter) -> impl IntoView {
    let q = filter.query();
    let export = crate::components::with_query("/clients/debts/export.xlsx", &q);
    let link = crate::components::page_link("/clients/debts", q);
    view! {
        <ClientSearch action="/clients/debts" filter/>
        <p class="totals" id="debts-total">{format!("Всего задолженностей: {}, на сумму {}", p.total, p.amount)}</p>
        <p><a class="btn" rel="external" download href=export>"Скачать XLSX"</a></p>
        {if p.rows.is_empty() {
            view! { <p class="empty">"Задолженностей не найдено."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table table-cards" id="client-debts-table">
                        <caption class="sr-only">"Задолженности клиентов"</caption>
                        <thead><tr>
                            <th scope="col">"Клиент"</th>
                            <th scope="col">"Полис"</th>
                            <th scope="col">"Задолженность"</th>
                            <th scope="col">"Срок уплаты"</th>
                            <th scope="col">"Просрочка"</th>
                            <th scope="col">"Сумма"</th>
                            <th scope="col">"Пени"</th>
                        </tr></thead>
                        <tbody>
                            {p.rows.into_iter().map(|d| view! {
                                <tr>
                                    <td data-label="Клиент">{d.client.clone()}</td>
                                    <td data-label="Полис">{d.policy_number.clone().unwrap_or_else(|| "—".into())}</td>
                                    <td data-label="Задолженность">{d.title.clone()}</td>
                                    <td data-label="Срок уплаты">{format_date(d.due_on)}</td>
                                    <td data-label="Просрочка">{if d.days_overdue > 0 { format!("{} дн.", d.days_overdue) } else { "нет".into() }}</td>
                                    <td data-label="Сумма">{d.amount.to_string()}</td>
                                    <td data-label="Пени">{d.penalty.to_string()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <Pager page=p.page per_page=p.per_page total=p.total href=link/>
            }.into_any()
        }}
    }
}

#[component]
pub fn ClientsPage() -> impl IntoView {
    let epoch = expect_context::<crate::AuthEpoch>();
    let live = expect_context::<crate::live::Live>();
    let (filter, problems) = url_filter();
    let data = crate::codec::resource(
        move || (epoch.get(), live.notices.get(), filter.get()),
        |(_, _, f)| {
            get_clients(
                f.search,
                f.overdue.then(|| "1".to_string()),
                Some(f.page.to_string()),
            )
        },
    );
    // «Перейти»: act for the client, then open its overview.
    let switch = ServerAction::<SwitchPolicyholder>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = switch.value().get() {
            epoch.bump();
            navigate("/", Default::default());
        }
    });
    view! {
        <Title text="Мои клиенты — Кабинет страхователя"/>
        <h1>"Мои клиенты"</h1>
        <Tabs current="/clients"/>
        <p class="lead">"Страхователи, от имени которых вы действуете: задолженности, ближайшие платежи и сроки, открытые запросы. Видно то, что позволяют ваши полномочия."</p>
        <QueryProblems problems/>
        <p class="field-error" role="alert">{move || switch.value().get().and_then(Result::err).map(|e| e.to_string())}</p>
        <Transition fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(p) => view! { <ClientList p filter=filter.get_untracked() switch/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn ClientList(
    p: ClientPage,
    filter: ClientFilter,
    switch: ServerAction<SwitchPolicyholder>,
) -> impl IntoView {
    let link = crate::components::page_link("/clients", filter.query());
    view! {
        <ClientSearch action="/clients" filter/>
        {if p.rows.is_empty() {
            view! { <p class="empty">"Клиентов не найдено."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table table-cards" id="clients-table">
                        <caption class="sr-only">"Клиенты"</caption>
                        <thead><tr>
                            <th scope="col">"Клиент"</th>
                            <th scope="col">"Ваша роль"</th>
                            <th scope="col">"Просрочено"</th>
                            <th scope="col">"Ближайший платёж"</th>
                            <th scope="col">"Ближайший срок"</th>
                            <th scope="col">"Открытые запросы"</th>
                            <th scope="col"><span class="sr-only">"Действие"</span></th>
                        </tr></thead>
                        <tbody>
                            {p.rows.into_iter().map(|c| {
                                let name = match &c.inn {
                                    Some(inn) => format!("{} (ИНН {inn})", c.name),
                                    None => c.name.clone(),
                                };
                                let role = if c.all_policies {
                                    c.role_label().to_string()
                                } else {
                                    format!("{}, часть полисов", c.role_label())
                                };
                                let next_due = c.next_due.map(format_date).unwrap_or_else(|| "—".into());
                                let deadline = match &c.next_deadline {
                                    Some(d) if d.missed => format!("{} — пропущен {}", d.title, format_datetime(d.due_at)),
                                    Some(d) => format!("{} — до {}", d.title, format_datetime(d.due_at)),
                                    None if c.may_report && c.all_policies => "Нет".into(),
                                    None => "Нет доступа к отчётности".into(),
                                };
                                let requests = c.open_requests.map(|n| n.to_string()).unwrap_or_else(|| "—".into());
                                let go = format!("Перейти к клиенту {}", c.name);
                                let id = c.policyholder_id.clone();
                                view! {
                                    <tr>
                                        <td data-label="Клиент">{name}</td>
                                        <td data-label="Ваша роль">{role}</td>
                                        <td data-label="Просрочено" class:debt={c.overdue.0 > 0}>{c.overdue.to_string()}</td>
                                        <td data-label="Ближайший платёж">{next_due}</td>
                                        <td data-label="Ближайший срок">{deadline}</td>
                                        <td data-label="Открытые запросы">{requests}</td>
                                        <td data-label="Действие">
                                            <ActionForm action=switch attr:class="inline-form">
                                                <input type="hidden" name="policyholder_id" value=id/>
                                                <button type="submit" class="btn" aria-label=go>"Перейти"</button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <Pager page=p.page per_page=p.per_page total=p.total href=link/>
            }.into_any()
        }}
    }
}
