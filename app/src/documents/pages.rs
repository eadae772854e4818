//! The «Документы» page and the public check page.

use super::{DocumentsPageData, MailDocument, check_document, list_documents};
use crate::AuthEpoch;
use crate::components::{ErrorBox, Pager, QueryProblems};
use crate::error::AppError;
use crate::live::Live;
use domain::dates::format_datetime;
use domain::payments::DocumentRow;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

fn loading() -> impl IntoView {
    view! { <p class="muted" role="status">"Загрузка…"</p> }
}

#[derive(Clone, Default, PartialEq)]
struct Filter {
    kind: Option<String>,
    policy: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: i64,
    /// What was dropped from the URL (a date or page out of range).
    problems: domain::FieldErrors,
}

impl Filter {
    fn query(&self) -> String {
        [
            ("kind", &self.kind),
            ("policy", &self.policy),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join("&")
    }
}

#[component]
pub fn DocumentsPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let live = expect_context::<Live>();
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            let range = domain::query::ListRange::parse(
                get("from").as_deref(),
                get("to").as_deref(),
                get("page").as_deref(),
            );
            Filter {
                kind: get("kind"),
                policy: get("policy"),
                from: range.from.map(|d| d.to_string()),
                to: range.to.map(|d| d.to_string()),
                page: i64::from(range.page),
                problems: range.problems,
            }
        })
    });
    let data = crate::codec::resource(
        move || {
            (
                epoch.get(),
                live.finance.get(),
                live.requests.get(),
                filter.get(),
            )
        },
        |(_, _, _, f)| list_documents(f.kind, f.policy, f.from, f.to, Some(f.page.to_string())),
    );
    let mail = ServerAction::<MailDocument>::new();
    view! {
        <Title text="Документы — Кабинет страхователя"/>
        <h1>"Документы"</h1>
        <QueryProblems problems=Signal::derive(move || filter.get().problems)/>
        <p class="form-done" aria-live="polite" id="mail-result">
            {move || mail.value().get().map(|r| match r {
                Ok(to) => format!("Документ отправлен на {to}."),
                Err(AppError::NotFound) => "Документ не найден.".to_string(),
                Err(e) => e.to_string(),
            })}
        </p>
        <Transition fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(d) => view! { <DocumentsList d filter=filter.get_untracked() mail/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn DocumentsList(
    d: DocumentsPageData,
    filter: Filter,
    mail: ServerAction<MailDocument>,
) -> impl IntoView {
    let link = crate::components::page_link("/documents", filter.query());
    let sel = |a: &Option<String>, b: &str| a.as_deref() == Some(b);
    let filtered = filter
        != Filter {
            page: filter.page,
            problems: filter.problems.clone(),
            ..Filter::default()
        };
    view! {
        <Form method="GET" action="/documents" attr:class="filters">
            <div class="field">
                <label for="f-kind">"Тип"</label>
                <select id="f-kind" name="kind">
                    <option value="">"Все"</option>
                    {DocumentRow::KINDS.into_iter().map(|k| view! {
                        <option value=k selected=sel(&filter.kind, k)>{DocumentRow::label_of(k)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-policy">"Полис"</label>
                <select id="f-policy" name="policy">
                    <option value="">"Все"</option>
                    {d.policies.iter().map(|p| view! {
                        <option value=p.id.clone() selected=sel(&filter.policy, &p.id)>{p.number.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-from">"С"</label>
                <input id="f-from" type="date" name="from" value=filter.from.clone()/>
            </div>
            <div class="field">
                <label for="f-to">"По"</label>
                <input id="f-to" type="date" name="to" value=filter.to.clone()/>
            </div>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Применить"</button>
                <a class="btn" href="/documents">"Сбросить"</a>
            </div>
        </Form>
        {if d.rows.is_empty() {
            let text = if filtered {
                "Документов по выбранным условиям нет. Измените фильтр."
            } else {
                "Документов пока нет. Чеки и счета-фактуры появляются здесь после оплаты, квитанции — после отправки запросов, справки и акты — по готовности, полис и заявление на выплату — со страницы полиса."
            };
            view! { <p class="muted">{text}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table table-cards" id="documents-table">
                        <caption class="sr-only">"Документы страхователя"</caption>
                        <thead><tr>
                            <th scope="col">"Документ"</th>
                            <th scope="col">"Номер"</th>
                            <th scope="col">"Дата"</th>
                            <th scope="col">"Файл"</th>
                            <th scope="col">"Действия"</th>
                        </tr></thead>
                        <tbody>
                            {d.rows.iter().map(|r| {
                                let id = r.id.clone();
                                view! {
                                    <tr>
                                        <td data-label="Документ">{r.title.clone()}</td>
                                        <td data-label="Номер">{r.number.clone()}</td>
                                        <td data-label="Дата">{format_datetime(r.created_at)}</td>
                                        <td data-label="Файл">
                                            <a rel="external" download href=format!("/documents/{}.pdf", r.id)>{format!("{} (PDF)", r.kind_label())}</a>
                                        </td>
                                        <td data-label="Действия">
                                            <a class="btn btn-small" rel="external" target="_blank"
                                                href=format!("/documents/{}.pdf?print=1", r.id)
                                                aria-label=format!("Печать: {} {} (откроется в новой вкладке)", r.title, r.number)>
                                                "Печать"
                                            </a>
                                            " "
                                            <button type="button" class="btn btn-small"
                                                aria-label=format!("Отправить на e-mail: {} {}", r.title, r.number)
                                                disabled=move || mail.pending().get()
                                                on:click=move |_| { mail.dispatch(MailDocument { id: id.clone() }); }>
                                                "Отправить на e-mail"
                                            </button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <Pager page=d.page per_page=d.per_page total=d.total href=link/>
            }.into_any()
        }}
    }
}

/// `/check/{code}`: public; confirms a document is genuine by the code its QR carries.
#[component]
pub fn CheckPage() -> impl IntoView {
    let params = use_params_map();
    let data = crate::codec::resource(
        move || params.with(|p| p.get("code").unwrap_or_default()),
        check_document,
    );
    view! {
        <Title text="Проверка документа — Кабинет страхователя"/>
        <h1>"Проверка подлинности документа"</h1>
        <Suspense fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(c) => view! {
                    <div class="alert alert-ok" role="status" id="check-result">
                        <strong>"Документ подлинный"</strong>
                        <p>"Документ выдан Кабинетом страхователя."</p>
                    </div>
                    <dl class="facts">
                        <div><dt>"Тип"</dt><dd id="check-kind">{c.kind_label}</dd></div>
                        <div><dt>"Номер"</dt><dd id="check-number">{c.number}</dd></div>
                        <div><dt>"Дата"</dt><dd id="check-date">{format_datetime(c.created_at)}</dd></div>
                    </dl>
                }.into_any(),
                Err(AppError::NotFound) => {
                    #[cfg(feature = "ssr")]
                    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                        res.set_status(http::StatusCode::NOT_FOUND);
                    }
                    view! {
                        <div class="alert alert-error" role="alert" id="check-result">
                            <strong>"Документ не найден"</strong>
                            <p>"Документа с таким кодом проверки нет. Проверьте код: 10 букв и цифр, как под QR-кодом документа."</p>
                        </div>
                    }.into_any()
                }
                Err(AppError::TooMany(m)) => view! {
                    <div class="alert alert-error" role="alert" id="check-result">
                        <strong>"Слишком много проверок"</strong>
                        <p>{m}</p>
                        <p>"Ограничение защищает коды документов от подбора. Если вы проверяете документ впервые, подождите и обновите страницу."</p>
                    </div>
                }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}
