//! «Сроки» (`/deadlines`): the acting policyholder's coming deadlines from the production
//! calendar, «Запросить продление» of a missed one, and the private iCal feed link. Staff decide
//! extension requests on `/staff/reports`.

use crate::AuthEpoch;
use crate::components::{ErrorBox, FormErrors};
use crate::error::AppError;
use crate::files::{Attachment, FileUpload};
use domain::calendar::{DeadlineRow, ExtensionRow};
use domain::dates::format_datetime;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlinesPageData {
    pub policyholder: String,
    pub rows: Vec<DeadlineRow>,
    pub has_feed: bool,
    pub now: chrono::DateTime<chrono::Utc>,
}

#[server(endpoint = "deadlines/list", output = crate::codec::Postcard)]
pub async fn get_deadlines() -> Result<DeadlinesPageData, AppError> {
    use crate::ssr::*;
    let (s, ph) = acting().await?;
    let store = store()?;
    let holder = store
        .authorized_for(&s.account_id, &ph, domain::delegation::Need::Report)
        .await?;
    Ok(DeadlinesPageData {
        policyholder: holder.name,
        rows: store.deadlines(&s.account_id, &ph).await?,
        has_feed: store.has_calendar_token(&s.account_id, &ph).await?,
        now: store.now(),
    })
}

/// «Запросить продление»: the reasons and the ids of the documents uploaded for it.
#[server(input = Json, endpoint = "deadlines/extend", output = crate::codec::Postcard)]
pub async fn ask_extension(
    key: String,
    reasons: String,
    files: Vec<String>,
) -> Result<ExtensionRow, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    match store()?
        .request_extension(&s.account_id, &ph, &key, &reasons, &files)
        .await
    {
        Ok(r) => Ok(r),
        Err(e) => fail(e.into()),
    }
}

/// A new private address of the iCal feed (the previous one stops working).
#[server(endpoint = "deadlines/calendar-link", output = crate::codec::Postcard)]
pub async fn new_calendar_link() -> Result<String, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let token = match store()?.new_calendar_token(&s.account_id, &ph).await {
        Ok(t) => t,
        Err(e) => return fail(e.into()),
    };
    Ok(format!("{}/calendar/{token}.ics", public_origin()?))
}

#[server(endpoint = "staff/extensions", output = crate::codec::Postcard)]
pub async fn staff_list_extensions() -> Result<Vec<ExtensionRow>, AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.staff_extensions(&s.account_id).await {
        Ok(v) => Ok(v),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "staff/extension-decide", output = crate::codec::Postcard)]
pub async fn staff_decide_extension(
    id: String,
    decision: String,
    new_due: String,
    comment: String,
) -> Result<ExtensionRow, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let approve = decision == "approve";
    let date = if approve && !new_due.trim().is_empty() {
        match domain::dates::parse_date(&new_due) {
            Ok(d) => Some(d),
            Err(m) => {
                let mut e = domain::FieldErrors::new();
                e.add("new_due", m);
                return fail(AppError::Fields(e));
            }
        }
    } else {
        None
    };
    match store()?
        .decide_extension(&s.account_id, &id, approve, date, &comment)
        .await
    {
        Ok(r) => Ok(r),
        Err(e) => fail(e.into()),
    }
}

fn left_text(row: &DeadlineRow, now: chrono::DateTime<chrono::Utc>) -> String {
    let due = row.effective_due();
    if due < now {
        return "Срок прошёл".into();
    }
    let days = (due - now).num_days();
    match days {
        0 => "Сегодня".into(),
        1 => "Остался 1 день".into(),
        n if (2..=4).contains(&(n % 10)) && !(12..=14).contains(&(n % 100)) => {
            format!("Осталось {n} дня")
        }
        n if n % 10 == 1 && n % 100 != 11 => format!("Остался {n} день"),
        n => format!("Осталось {n} дней"),
    }
}

#[component]
pub fn DeadlinesPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let data = crate::codec::resource(move || epoch.get(), |_| get_deadlines());
    view! {
        <Title text="Сроки — Кабинет страхователя"/>
        <p class="crumbs"><a href="/reports">"← Отчётность"</a></p>
        <h1>"Сроки"</h1>
        <p class="muted">"Рабочие дни считаются по производственному календарю РФ. Напоминания приходят за 3 дня и за 1 день до срока — в «Уведомления» и на e-mail."</p>
        <Transition fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(d) => view! { <Deadlines data=d/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Deadlines(data: DeadlinesPageData) -> impl IntoView {
    let now = data.now;
    let link = RwSignal::new(None::<String>);
    let link_error = RwSignal::new(None::<String>);
    let open_key = RwSignal::new(None::<String>);
    view! {
        <p class="lead">{format!("Страхователь: {}", data.policyholder)}</p>
        {if data.rows.is_empty() {
            view! { <p class="muted">"Ближайших сроков нет."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table table-cards" id="deadlines-table">
                        <caption class="sr-only">"Ближайшие сроки"</caption>
                        <thead><tr>
                            <th scope="col">"Срок"</th><th scope="col">"Что сделать"</th><th scope="col">"Состояние"</th>
                        </tr></thead>
                        <tbody>
                            {data.rows.into_iter().map(|r| view! { <DeadlineLine r now open_key/> }.into_any()).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <section aria-labelledby="ical">
            <h2 id="ical">"Календарь сроков"</h2>
            <p>"Подпишитесь на сроки в своём календаре (iCal). Ссылка личная: не передавайте её другим. "
               {data.has_feed.then_some("Новая ссылка отменяет прежнюю.")}</p>
            <button type="button" class="btn" on:click=move |_| {
                leptos::task::spawn_local(async move {
                    match new_calendar_link().await {
                        Ok(u) => { link.set(Some(u)); link_error.set(None); }
                        Err(e) => link_error.set(Some(e.to_string())),
                    }
                });
            }>{if data.has_feed { "Создать новую ссылку" } else { "Получить ссылку для календаря" }}</button>
            <div aria-live="polite">
                {move || link.get().map(|u| view! {
                    <div class="field">
                        <label for="ical-link">"Ссылка на календарь"</label>
                        <input id="ical-link" type="text" readonly prop:value=u/>
                    </div>
                })}
                {move || link_error.get().map(|m| view! { <p class="alert alert-error" role="alert">{m}</p> })}
            </div>
        </section>
    }
}

/// One deadline. `open` is the key of the one whose «Запросить продление» form is open: one at
/// a time, so the form's fields keep unique ids.
#[component]
fn DeadlineLine(
    r: DeadlineRow,
    now: chrono::DateTime<chrono::Utc>,
    open_key: RwSignal<Option<String>>,
) -> impl IntoView {
    let left = left_text(&r, now);
    let extension = RwSignal::new(r.extension.clone());
    let key = StoredValue::new(r.key.clone());
    let open = Signal::derive(move || key.with_value(|k| open_key.with(|o| o.as_ref() == Some(k))));
    let reasons = RwSignal::new(String::new());
    let files = RwSignal::new(Vec::<Attachment>::new());
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let can_ask = r.missed && r.extension.is_none();
    let id = format!("reasons-{}", r.key.replace(':', "-"));
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Err(m) = domain::calendar::extension_reasons(&reasons.get_untracked()) {
            errors.set_field("reasons", Some(m));
            return;
        }
        if busy.get_untracked() {
            errors.set_field("files", Some("Дождитесь, пока загрузятся файлы".into()));
            return;
        }
        let (k, text) = (key.get_value(), reasons.get_untracked());
        let ids = files.with_untracked(|fs| fs.iter().map(|f| f.id.clone()).collect());
        leptos::task::spawn_local(async move {
            let result = ask_extension(k, text, ids).await;
            errors.show(&result);
            if let Ok(e) = result {
                extension.set(Some(e));
                open_key.set(None);
            }
        });
    };
    let err_id = format!("{id}-error");
    view! {
        <tr class:row-missed=r.missed>
            <td data-label="Срок">{format_datetime(r.effective_due())}</td>
            <td data-label="Что сделать">
                {match r.link.clone() {
                    Some(href) => view! { <a href=href>{r.title.clone()}</a> }.into_any(),
                    None => view! { <span>{r.title.clone()}</span> }.into_any(),
                }}
                <br/><span class="muted">{r.kind_label()}</span>
            </td>
            <td data-label="Состояние">
                <span class=if r.missed { "badge badge-bad" } else { "badge" }>{left}</span>
                <div aria-live="polite">
                    {move || extension.get().map(|e| view! {
                        <p>{format!("{} · {}", e.number, e.status_label())}
                            {(e.status == "pending").then(|| format!(", решение до {}", format_datetime(e.decision_due_at)))}
                            {e.new_due_at.map(|t| format!(", новый срок {}", format_datetime(t)))}
                            {(!e.staff_comment.is_empty()).then(|| format!(" · {}", e.staff_comment))}</p>
                    }.into_any())}
                </div>
                {can_ask.then(|| view! {
                    <Show when=move || extension.with(Option::is_none)>
                        <button type="button" class="btn btn-small" aria-expanded=move || open.get().to_string()
                            on:click=move |_| {
                                let k = key.get_value();
                                open_key.update(|o| *o = if o.as_ref() == Some(&k) { None } else { Some(k) });
                            }>"Запросить продление"</button>
                    </Show>
                    <Show when=move || open.get() && extension.with(Option::is_none)>
                        <form class="form extension-form" on:submit=send novalidate>
                            <div class="field" class:field-invalid=move || errors.field("reasons").is_some()>
                                <label for=id.clone()>"Причины пропуска срока"</label>
                                <textarea id=id.clone() rows="3" prop:value=move || reasons.get()
                                    on:input=move |ev| { reasons.set(event_target_value(&ev)); errors.set_field("reasons", None); }
                                    aria-invalid=move || errors.field("reasons").is_some().then_some("true")
                                    aria-describedby=err_id.clone()></textarea>
                                <p class="field-error" id=err_id.clone()>{move || errors.field("reasons")}</p>
                            </div>
                            <FileUpload label="Подтверждающие документы" name="files" files errors busy
                                hint="Необязательно: справка, больничный лист и т. п. PDF, JPEG или PNG, каждый не больше 5 МБ"/>
                            <p class="alert-slot" aria-live="assertive">{move || errors.form()}</p>
                            <button type="submit" class="btn btn-primary">"Отправить запрос"</button>
                        </form>
                    </Show>
                }.into_any())}
            </td>
        </tr>
    }
}

/// Staff: extension requests to decide (on the staff reports page).
/// The extension requests for [`StaffExtensions`], made by the page before its `Suspense`. A
/// resource made inside a `Suspense` as it resolves depends on the order the server streamed and
/// the client hydrates in; in «Взносы» that pattern broke hydration now and then.
pub fn extensions_resource() -> crate::codec::Res<Result<Vec<ExtensionRow>, AppError>> {
    crate::codec::resource(|| (), |_| staff_list_extensions())
}

#[component]
pub fn StaffExtensions(
    /// Made by the page, outside any `Suspense` (see [`extensions_resource`]).
    list: crate::codec::Res<Result<Vec<ExtensionRow>, AppError>>,
) -> impl IntoView {
    view! {
        <section aria-labelledby="extensions">
            <h2 id="extensions">"Запросы о продлении сроков"</h2>
            <Suspense fallback=|| ()>
                {move || list.get().map(|r| match r {
                    Ok(rows) if rows.is_empty() => view! { <p class="muted">"Запросов нет."</p> }.into_any(),
                    Ok(rows) => view! {
                        <ul class="extensions">
                            {rows.into_iter().map(|e| view! { <StaffExtension e/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn StaffExtension(e: ExtensionRow) -> impl IntoView {
    let id = StoredValue::new(e.id.clone());
    let new_due = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<ExtensionRow, AppError>>);
    let decide = move |decision: &'static str| {
        let (i, d, c) = (
            id.get_value(),
            new_due.get_untracked(),
            comment.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            result.set(Some(staff_decide_extension(i, decision.into(), d, c).await));
        });
    };
    let due_id = format!("due-{}", e.id);
    let comment_id = format!("comment-{}", e.id);
    view! {
        <li class="card">
            <p><strong>{e.number.clone()}</strong>" · "{e.policyholder.clone()}" · "{e.title.clone()}</p>
            <p>"Причины: "{e.reasons.clone()}</p>
            {if e.files.is_empty() {
                view! { <p class="muted">"Документы не приложены."</p> }.into_any()
            } else {
                view! {
                    <p>"Документы:"</p>
                    <super::pages::FileLinks files=e.files.clone()/>
                }.into_any()
            }}
            <p class="muted">{format!("Решить до {}", format_datetime(e.decision_due_at))}</p>
            <div class="field">
                <label for=due_id.clone()>"Новый срок"</label>
                <input id=due_id type="date" prop:value=move || new_due.get() on:input=move |ev| new_due.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for=comment_id.clone()>"Комментарий"</label>
                <input id=comment_id type="text" prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))/>
            </div>
            <div class="actions">
                <button type="button" class="btn btn-primary" on:click=move |_| decide("approve")>"Продлить"</button>
                <button type="button" class="btn" on:click=move |_| decide("reject")>"Отказать"</button>
            </div>
            <p aria-live="polite">
                {move || result.get().map(|r| match r {
                    Ok(x) => x.status_label().to_string(),
                    Err(AppError::Fields(f)) => f.0.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "),
                    Err(e) => e.to_string(),
                })}
            </p>
        </li>
    }
}
