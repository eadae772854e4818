//! «История всех операций» (`/history`): everything done about the acting policyholder — by the
//! person, their representatives and brokers, staff and the cabinet itself — with filters by
//! period, person, kind and words (in the URL), paged on the server, and «Скачать XLSX» of the
//! same selection. The rules live in `domain::history` and `store::history`.

use crate::components::{ErrorBox, Pager, QueryProblems};
use crate::error::AppError;
use domain::dates::format_datetime;
use domain::history::{HistoryFilter, HistoryPage, KINDS};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[server(endpoint = "history/page", output = crate::codec::Postcard)]
pub async fn get_history(
    from: Option<String>,
    to: Option<String>,
    actor: Option<String>,
    kind: Option<String>,
    search: Option<String>,
    page: Option<String>,
) -> Result<HistoryPage, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let f =
        HistoryFilter::checked(from, to, actor, kind, search, page).map_err(AppError::Fields)?;
    match store()?.history(&s.account_id, &ph, &f).await {
        Ok(p) => Ok(p),
        Err(e) => fail(e.into()),
    }
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let epoch = expect_context::<crate::AuthEpoch>();
    let q = use_query_map();
    let parsed = Memo::new(move |_| {
        q.with(|m| {
            HistoryFilter::parse(
                m.get("from"),
                m.get("to"),
                m.get("actor"),
                m.get("kind"),
                m.get("search"),
                m.get("page"),
            )
        })
    });
    let filter = Memo::new(move |_| parsed.with(|(f, _)| f.clone()));
    let problems = Signal::derive(move || parsed.with(|(_, p)| p.clone()));
    let data = crate::codec::resource(
        move || (epoch.get(), filter.get()),
        |(_, f)| {
            get_history(
                f.from.map(|d| d.to_string()),
                f.to.map(|d| d.to_string()),
                f.actor,
                f.kind,
                f.search,
                Some(f.page.to_string()),
            )
        },
    );
    view! {
        <Title text="История операций — Кабинет страхователя"/>
        <h1>"История всех операций"</h1>
        <p class="lead">"Всё, что делалось в кабинете от имени страхователя: кем (вы, ваши представители и брокеры, сотрудники страховщика), что, с каким документом, когда и откуда. Журнал входов вашей учётной записи — в разделе «Безопасность»."</p>
        <QueryProblems problems/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(p) => view! { <HistoryList p filter=filter.get_untracked()/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn HistoryList(p: HistoryPage, filter: HistoryFilter) -> impl IntoView {
    let q = filter.query();
    let export = crate::components::with_query("/history/export.xlsx", &q);
    let link = crate::components::page_link("/history", q);
    let sel = |a: &Option<String>, b: &str| a.as_deref() == Some(b);
    view! {
        <Form method="GET" action="/history" attr:class="filters">
            <div class="field">
                <label for="f-from">"С"</label>
                <input id="f-from" type="date" name="from" value=filter.from.map(|d| d.to_string())/>
            </div>
            <div class="field">
                <label for="f-to">"По"</label>
                <input id="f-to" type="date" name="to" value=filter.to.map(|d| d.to_string())/>
            </div>
            <div class="field">
                <label for="f-actor">"Кто"</label>
                <select id="f-actor" name="actor">
                    <option value="">"Все"</option>
                    {p.actors.iter().map(|a| view! {
                        <option value=a.id.clone() selected=sel(&filter.actor, &a.id)>{a.name.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-kind">"Операции"</label>
                <select id="f-kind" name="kind">
                    <option value="">"Все"</option>
                    {KINDS.iter().map(|(code, label)| view! {
                        <option value=*code selected=sel(&filter.kind, code)>{*label}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-search">"Поиск"</label>
                <input id="f-search" type="search" name="search" maxlength="100"
                    value=filter.search.clone().unwrap_or_default()/>
            </div>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Показать"</button>
                <a class="btn" href="/history">"Сбросить"</a>
                <a class="btn" rel="external" download href=export>"Скачать XLSX"</a>
            </div>
        </Form>
        {if p.rows.is_empty() {
            view! { <p class="empty">"Операций не найдено. Измените отбор."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table table-cards" id="history-table">
                        <caption class="sr-only">"История операций страхователя"</caption>
                        <thead><tr>
                            <th scope="col">"Когда"</th>
                            <th scope="col">"Кто"</th>
                            <th scope="col">"Операция"</th>
                            <th scope="col">"Подробности"</th>
                            <th scope="col">"Откуда"</th>
                        </tr></thead>
                        <tbody>
                            {p.rows.iter().map(|r| {
                                let who = if r.actor_role.is_empty() {
                                    r.actor.clone()
                                } else {
                                    format!("{} ({})", r.actor, r.actor_role)
                                };
                                view! {
                                    <tr>
                                        <td data-label="Когда">{format_datetime(r.at)}</td>
                                        <td data-label="Кто">{who}</td>
                                        <td data-label="Операция">{match r.href() {
                                            Some(h) => view! { <a href=h>{r.label()}</a> }.into_any(),
                                            None => view! { <span>{r.label()}</span> }.into_any(),
                                        }}</td>
                                        <td data-label="Подробности">{r.details.clone()}</td>
                                        <td data-label="Откуда">{r.ip.clone()}</td>
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
