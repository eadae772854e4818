//! The staff's side of requests: the queue (`/staff/requests`, filters and «Мои» / «Без
//! исполнителя» in the URL) and one request (`/staff/requests/{id}`): «Взять себе», a reply with
//! a new status («Отклонено» with its reason), «Подготовить документ» («Акт осмотра», «Справка»,
//! the policy's documents) attached to the request. Both pages follow the live stream of every
//! request, so a new request or a citizen's comment shows without a reload. Citizens get "not
//! found".

use crate::AuthEpoch;
use crate::components::{ErrorBox, FormAlert, FormErrors, Pager};
use crate::error::AppError;
use crate::files::FileUpload;
use crate::live::Live;
use crate::requests::{RequestHead, TextArea, Thread};
use domain::dates::format_datetime;
use domain::payments::DocumentRow;
use domain::requests::{RequestKind, RequestPage, RequestStatus, RequestView};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

#[server(endpoint = "staff/requests", output = crate::codec::Postcard)]
pub async fn staff_requests(
    status: Option<String>,
    kind: Option<String>,
    mine: Option<String>,
    page: Option<String>,
) -> Result<RequestPage, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let q = store::requests::StaffQueue {
        filter: domain::requests::RequestFilter::checked(status, kind, None, None, None, page)
            .map_err(AppError::Fields)?,
        mine: mine.as_deref() == Some("me"),
        unassigned: mine.as_deref() == Some("none"),
    };
    match store()?.staff_requests(&s.account_id, &q).await {
        Ok(p) => Ok(p),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "staff/request", output = crate::codec::Postcard)]
pub async fn staff_request(id: String) -> Result<RequestView, AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.staff_request(&s.account_id, &id).await {
        Ok(v) => Ok(v),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "staff/request-assign", output = crate::codec::Postcard)]
pub async fn staff_assign(id: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    match store()?
        .staff_assign_request(&s.account_id, &id, &req.ip)
        .await
    {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}

/// A reply with files; `status` empty keeps the status.
#[server(input = Json, endpoint = "staff/request-reply", output = crate::codec::Postcard)]
pub async fn staff_reply(
    id: String,
    comment: String,
    status: String,
    files: Vec<String>,
) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    let store = store()?;
    if let Err(e) = store.require_staff(&s.account_id).await {
        return fail(e.into());
    }
    let status = if status.is_empty() {
        None
    } else {
        match RequestStatus::parse(&status) {
            Some(s) => Some(s),
            None => {
                let mut e = domain::FieldErrors::new();
                e.add("status", "Выберите статус из списка");
                return fail(AppError::Fields(e));
            }
        }
    };
    match store
        .staff_reply_request(&s.account_id, &id, &comment, status, &files, &req.ip)
        .await
    {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}

/// «Подготовить документ»: «Акт осмотра» (`text` is what the inspection found), «Справка» or a
/// document of the request's policy, attached to the request; answers the document's id.
#[server(endpoint = "staff/request-document", output = crate::codec::Postcard)]
pub async fn staff_produce(id: String, kind: String, text: String) -> Result<String, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    match store()?
        .staff_produce_document(&s.account_id, &id, &kind, &text, &req.ip)
        .await
    {
        Ok(id) => Ok(id),
        Err(e) => fail(e.into()),
    }
}

fn loading() -> impl IntoView {
    view! { <p class="muted" role="status">"Загрузка…"</p> }
}

/// `/staff/requests`: the queue.
#[component]
pub fn StaffRequestsPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    // Staff follow every request: a new one or a citizen's comment shows without a reload.
    let live = expect_context::<Live>();
    let query = use_query_map();
    let q = Memo::new(move |_| {
        query.with(|m| {
            (
                m.get("status").filter(|v| !v.is_empty()),
                m.get("kind").filter(|v| !v.is_empty()),
                m.get("mine").filter(|v| !v.is_empty()),
                m.get("page"),
            )
        })
    });
    let data = crate::codec::resource(
        move || (epoch.get(), live.requests.get(), q.get()),
        |(_, _, (status, kind, mine, page))| staff_requests(status, kind, mine, page),
    );
    view! {
        <Title text="Запросы страхователей — Кабинет сотрудника"/>
        <p class="crumbs"><a href="/staff">"← Кабинет сотрудника"</a></p>
        <h1>"Запросы страхователей"</h1>
        <Transition fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(p) => view! { <Queue p q=q.get_untracked()/> }.into_any(),
                Err(AppError::NotFound) => view! { <crate::NotFound/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}

type QueueQuery = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

#[component]
fn Queue(p: RequestPage, q: QueueQuery) -> impl IntoView {
    let (status, kind, mine, _) = q.clone();
    let sel = |a: &Option<String>, b: &str| a.as_deref() == Some(b);
    let base: String = [("status", &status), ("kind", &kind), ("mine", &mine)]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join("&");
    let link = move |n: i64| format!("/staff/requests?{base}&page={n}");
    view! {
        <Form method="GET" action="/staff/requests" attr:class="filters">
            <div class="field">
                <label for="q-status">"Статус"</label>
                <select id="q-status" name="status">
                    <option value="">"Все"</option>
                    {RequestStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.code() selected=sel(&status, s.code())>{s.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="q-kind">"Тип"</label>
                <select id="q-kind" name="kind">
                    <option value="">"Все"</option>
                    {RequestKind::ALL.into_iter().map(|k| view! {
                        <option value=k.code() selected=sel(&kind, k.code())>{k.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="q-mine">"Исполнитель"</label>
                <select id="q-mine" name="mine">
                    <option value="">"Любой"</option>
                    <option value="me" selected=sel(&mine, "me")>"Мои"</option>
                    <option value="none" selected=sel(&mine, "none")>"Без исполнителя"</option>
                </select>
            </div>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Применить"</button>
                <a class="btn" href="/staff/requests">"Сбросить"</a>
            </div>
        </Form>
        {if p.rows.is_empty() {
            view! { <p class="empty">"Запросов нет."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table table-cards" id="staff-requests">
                        <caption class="sr-only">"Очередь запросов: дольше ждущие сверху"</caption>
                        <thead><tr>
                            <th scope="col">"Номер"</th>
                            <th scope="col">"Страхователь"</th>
                            <th scope="col">"Тип"</th>
                            <th scope="col">"Полис"</th>
                            <th scope="col">"Изменён"</th>
                            <th scope="col">"Исполнитель"</th>
                            <th scope="col">"Статус"</th>
                        </tr></thead>
                        <tbody>
                            {p.rows.iter().map(|r| view! {
                                <tr>
                                    <td data-label="Номер"><a href=format!("/staff/requests/{}", r.id)>{r.number.clone()}</a></td>
                                    <td data-label="Страхователь">{r.policyholder_name.clone()}</td>
                                    <td data-label="Тип">{r.kind.label()}</td>
                                    <td data-label="Полис">{r.policy_number.clone()}</td>
                                    <td data-label="Изменён">{format_datetime(r.updated_at)}</td>
                                    <td data-label="Исполнитель">{r.assignee.clone().unwrap_or_else(|| "—".into())}</td>
                                    <td data-label="Статус"><span class=r.status.badge()>{r.status.label()}</span></td>
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

/// `/staff/requests/{id}`.
#[component]
pub fn StaffRequestPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let live = expect_context::<Live>();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let assign = ServerAction::<StaffAssign>::new();
    let reply = ServerAction::<StaffReply>::new();
    let produce = ServerAction::<StaffProduce>::new();
    // Refetched after something went through, and when the citizen writes (live); a refused
    // reply keeps the form as typed (its state lives beside the data, not in it).
    let changed = RwSignal::new(0u32);
    let data = crate::codec::resource(
        move || (epoch.get(), id.get(), live.requests.get(), changed.get()),
        |(_, id, ..)| staff_request(id),
    );
    let errors = FormErrors::new();
    let text = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let files = RwSignal::new(Vec::<crate::files::Attachment>::new());
    let busy = RwSignal::new(false);
    let done = RwSignal::new(None::<&'static str>);
    Effect::new(move |_| {
        if let Some(r) = reply.value().get() {
            errors.show(&r);
            if r.is_ok() {
                text.set(String::new());
                status.set(String::new());
                files.set(Vec::new());
                done.set(Some("Ответ отправлен."));
                changed.update(|n| *n += 1);
            } else {
                done.set(None);
            }
        }
    });
    let reply_state = ReplyState {
        errors,
        text,
        status,
        files,
        busy,
    };
    Effect::new(move |_| {
        if assign.value().get().is_some_and(|r| r.is_ok()) {
            done.set(Some("Запрос взят в работу."));
            changed.update(|n| *n += 1);
        }
    });
    let doc = ProduceState {
        errors: FormErrors::new(),
        kind: RwSignal::new("inspection_act".to_string()),
        text: RwSignal::new(String::new()),
        done: RwSignal::new(None),
    };
    Effect::new(move |_| {
        if let Some(r) = produce.value().get() {
            doc.errors.show(&r);
            if r.is_ok() {
                let label = DocumentRow::label_of(&doc.kind.get_untracked());
                doc.done.set(Some(format!(
                    "Документ «{label}» подготовлен и приложен к запросу."
                )));
                doc.text.set(String::new());
                changed.update(|n| *n += 1);
            } else {
                doc.done.set(None);
            }
        }
    });
    view! {
        <p class="crumbs"><a href="/staff/requests">"← Запросы страхователей"</a></p>
        <Transition fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(v) => {
                    let title = format!("Запрос {} — Кабинет сотрудника", v.number);
                    let rid = v.id.clone();
                    let is_final = v.status.is_final();
                    view! {
                        <Title text=title/>
                        <RequestHead v=v.clone() staff=true/>
                        <p class="form-done" aria-live="polite">{move || done.get()}</p>
                        <div class="actions">
                            <button type="button" class="btn" id="assign-me"
                                on:click=move |_| { assign.dispatch(StaffAssign { id: rid.clone() }); }>"Взять себе"</button>
                        </div>
                        <Thread v=v.clone() staff_links=true/>
                        <ProduceForm id=v.id.clone() produce form=doc/>
                        {(!is_final).then(|| view! { <ReplyForm id=v.id.clone() reply form=reply_state/> })}
                    }.into_any()
                }
                Err(AppError::NotFound) => view! { <crate::NotFound/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct ProduceState {
    errors: FormErrors,
    kind: RwSignal<String>,
    text: RwSignal<String>,
    done: RwSignal<Option<String>>,
}

/// «Подготовить документ»: the kind, and for «Акт осмотра» what the inspection found. The
/// document joins the request's documents and the citizen's «Документы» at once.
#[component]
fn ProduceForm(id: String, produce: ServerAction<StaffProduce>, form: ProduceState) -> AnyView {
    let ProduceState {
        errors,
        kind,
        text,
        done,
    } = form;
    let act = move || kind.get() == "inspection_act";
    view! {
        <section aria-labelledby="produce-title">
            <h2 id="produce-title">"Подготовить документ"</h2>
            <form class="form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                if produce.pending().get_untracked() {
                    return;
                }
                produce.dispatch(StaffProduce {
                    id: id.clone(),
                    kind: kind.get_untracked(),
                    text: if act() { text.get_untracked() } else { String::new() },
                });
            }>
                <FormAlert errors/>
                <div class="field" class:field-invalid=move || errors.field("kind").is_some()>
                    <label for="f-doc-kind">"Документ"</label>
                    <select id="f-doc-kind" name="kind" aria-describedby="f-doc-kind-error"
                        prop:value=move || kind.get()
                        on:change=move |ev| { kind.set(event_target_value(&ev)); errors.set_field("kind", None); }>
                        {DocumentRow::FOR_REQUEST.into_iter().map(|k| view! {
                            <option value=k>{DocumentRow::label_of(k)}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-error" id="f-doc-kind-error">{move || errors.field("kind")}</p>
                </div>
                <Show when=act>
                    <TextArea label="Результаты осмотра" name="text" errors value=text
                        hint="Что осмотрено и какие повреждения выявлены: войдёт в акт"/>
                </Show>
                <p class="form-done" aria-live="polite" id="produce-done">{move || done.get()}</p>
                <button type="submit" class="btn" disabled=move || produce.pending().get()>"Подготовить и приложить"</button>
            </form>
        </section>
    }
    .into_any()
}

#[derive(Clone, Copy)]
struct ReplyState {
    errors: FormErrors,
    text: RwSignal<String>,
    status: RwSignal<String>,
    files: RwSignal<Vec<crate::files::Attachment>>,
    busy: RwSignal<bool>,
}

/// The reply form: a comment (the reason for «Отклонено»), a new status, files.
#[component]
fn ReplyForm(id: String, reply: ServerAction<StaffReply>, form: ReplyState) -> AnyView {
    let ReplyState {
        errors,
        text,
        status,
        files,
        busy,
    } = form;
    view! {
        <section aria-labelledby="reply-title">
                                <h2 id="reply-title">"Ответ и статус"</h2>
                                <form class="form" novalidate on:submit={
                                    let id = id.clone();
                                    move |ev: leptos::ev::SubmitEvent| {
                                        ev.prevent_default();
                                        if reply.pending().get_untracked() || busy.get_untracked() {
                                            return;
                                        }
                                        reply.dispatch(StaffReply {
                                            id: id.clone(),
                                            comment: text.get_untracked(),
                                            status: status.get_untracked(),
                                            files: files.get_untracked().into_iter().map(|f| f.id).collect(),
                                        });
                                    }
                                }>
                                    <FormAlert errors/>
                                    <div class="field" class:field-invalid=move || errors.field("status").is_some()>
                                        <label for="f-status">"Новый статус"</label>
                                        <select id="f-status" name="status"
                                            aria-describedby="f-status-error"
                                            prop:value=move || status.get()
                                            on:change=move |ev| status.set(event_target_value(&ev))>
                                            <option value="">"Не менять"</option>
                                            {RequestStatus::ALL.into_iter().map(|s| view! {
                                                <option value=s.code()>{s.label()}</option>
                                            }).collect_view()}
                                        </select>
                                        <p class="field-error" id="f-status-error">{move || errors.field("status")}</p>
                                    </div>
                                    <TextArea label="Комментарий" name="comment" errors value=text
                                        hint="Виден страхователю. Для «Отклонено» — причина отказа"/>
                                    <FileUpload label="Добавить файл" name="files" files errors busy
                                        hint="PDF, JPEG или PNG до 5 МБ"/>
                                    <button type="submit" class="btn btn-primary" disabled=move || reply.pending().get() || busy.get()>"Отправить ответ"</button>
                                </form>
                            </section>
    }
    .into_any()
}
