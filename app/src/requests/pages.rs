//! The pages of requests: create (with review), history, and one request.

use super::{
    CommentRequest, NewRequestPrefill, RequestsData, SubmitRequest, get_request, list_requests,
    new_request_data,
};
use crate::AuthEpoch;
use crate::components::{ErrorBox, Field, FormAlert, FormErrors, Pager, QueryProblems};
use crate::files::{Attachment, FileUpload};
use crate::live::Live;
use domain::dates::format_datetime;
use domain::requests::{RequestFilter, RequestForm, RequestKind, RequestStatus, RequestView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

fn loading() -> impl IntoView {
    view! { <p class="muted" role="status">"Загрузка…"</p> }
}

/// A labelled multi-line field with its error announced and linked.
#[component]
pub(crate) fn TextArea(
    #[prop(into)] label: String,
    name: &'static str,
    errors: FormErrors,
    value: RwSignal<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] on_blur: Option<Callback<()>>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let has_hint = hint.is_some();
    let error = move || errors.field(name);
    let described = {
        let err_id = err_id.clone();
        let hint_id = hint_id.clone();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(err_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-invalid=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <textarea id=id name=name rows="5"
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    if error().is_some() {
                        errors.set_field(name, None);
                    }
                }
                on:blur=move |ev| {
                    // Not when focus moves to a button (see `Field`): the message would shift
                    // the button under the pointer and swallow the click.
                    if let Some(cb) = on_blur.filter(|_| !crate::components::focus_goes_to_button(&ev)) {
                        cb.run(());
                    }
                }
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described
            ></textarea>
            <p class="field-error" id=err_id>{error}</p>
        </div>
    }
}

/// `/policies/{id}/request`: «Создать запрос».
#[component]
pub fn NewRequestPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let params = use_params_map();
    let data = crate::codec::resource(
        move || {
            (
                epoch.get(),
                params.with(|p| p.get("id").unwrap_or_default()),
            )
        },
        |(_, id)| new_request_data(id),
    );
    let submit = ServerAction::<SubmitRequest>::new();
    view! {
        <Title text="Создать запрос — Кабинет страхователя"/>
        <p class="crumbs"><a href="/requests">"← История запросов"</a></p>
        <h1>"Создать запрос"</h1>
        <Suspense fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(d) => view! { <NewRequestForm d submit/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn NewRequestForm(d: NewRequestPrefill, submit: ServerAction<SubmitRequest>) -> impl IntoView {
    let errors = FormErrors::new();
    let kind = RwSignal::new(String::new());
    let phone = RwSignal::new(d.phone.clone());
    let description = RwSignal::new(String::new());
    let files = RwSignal::new(Vec::<Attachment>::new());
    let busy = RwSignal::new(false);
    let reviewing = RwSignal::new(false);
    let policy_id = d.policy_id.clone();
    let key = d.key.clone();
    let form = StoredValue::new(move || RequestForm {
        policy_id: policy_id.clone(),
        kind: kind.get_untracked(),
        phone: phone.get_untracked(),
        description: description.get_untracked(),
        files: files.get_untracked().into_iter().map(|f| f.id).collect(),
        idempotency_key: key.clone(),
    });
    let check = move |field: &'static str| {
        Callback::new(move |()| {
            let f = form.with_value(|f| f());
            errors.set_field(field, f.check_field(field).err());
        })
    };
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(r) = submit.value().get() {
            match &r {
                Ok(id) => navigate(&format!("/requests/{id}?created=1"), Default::default()),
                Err(_) => {
                    errors.show(&r);
                    // Back to the fields, which show what to correct.
                    if errors.form().is_none() {
                        reviewing.set(false);
                    }
                }
            }
        }
    });
    let review = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let f = form.with_value(|f| f());
        match f.validate() {
            Ok(_) => {
                errors.show::<()>(&Ok(()));
                reviewing.set(true);
            }
            Err(e) => errors.show::<()>(&Err(crate::error::AppError::Fields(e))),
        }
    };
    let send = move |_| {
        if submit.pending().get_untracked() {
            return;
        }
        submit.dispatch(SubmitRequest {
            form: form.with_value(|f| f()),
        });
    };
    let kind_label = move || {
        RequestKind::parse(&kind.get())
            .map(RequestKind::label)
            .unwrap_or("")
    };
    let full_name = d.full_name.clone();
    let policy_number = d.policy_number.clone();
    view! {
        <noscript><p class="alert alert-error">"Для отправки запроса включите JavaScript в браузере."</p></noscript>
        <Show when=move || !reviewing.get()>
            <form class="form" on:submit=review novalidate>
                <FormAlert errors/>
                <dl class="facts">
                    <div><dt>"ФИО"</dt><dd id="prefill-name">{full_name.clone()}</dd></div>
                    <div><dt>"Номер полиса"</dt><dd id="prefill-policy">{policy_number.clone()}</dd></div>
                </dl>
                <fieldset class="methods" aria-describedby="f-kind-error"
                    class:field-invalid=move || errors.field("kind").is_some()>
                    <legend>"Тип запроса"</legend>
                    {RequestKind::ALL.into_iter().map(|k| view! {
                        <label class="radio">
                            <input type="radio" name="kind" value=k.code()
                                aria-invalid=move || errors.field("kind").is_some().then_some("true")
                                prop:checked=move || kind.get() == k.code()
                                on:change=move |_| { kind.set(k.code().to_string()); errors.set_field("kind", None); }/>
                            {k.label()}
                        </label>
                    }).collect_view()}
                    <p class="field-error" id="f-kind-error">{move || errors.field("kind")}</p>
                </fieldset>
                <Field label="Контактный телефон" name="phone" errors value=phone kind="tel"
                    autocomplete="tel" on_blur=check("phone") hint="Например, +7 912 345-67-89"/>
                <TextArea label="Описание" name="description" errors value=description
                    on_blur=check("description") hint="Что нужно сделать: от 10 до 4000 символов"/>
                <FileUpload label="Добавить файл" name="files" files errors busy
                    hint="PDF, JPEG или PNG до 5 МБ, до 10 файлов"/>
                <button type="submit" class="btn btn-primary" disabled=move || busy.get()>"Далее: проверить"</button>
            </form>
        </Show>
        <Show when=move || reviewing.get()>
            <section aria-labelledby="review-title" class="review">
                <h2 id="review-title" tabindex="-1">"Проверьте запрос"</h2>
                <FormAlert errors/>
                <dl class="facts">
                    <div><dt>"Тип запроса"</dt><dd>{kind_label}</dd></div>
                    <div><dt>"ФИО"</dt><dd>{d.full_name.clone()}</dd></div>
                    <div><dt>"Номер полиса"</dt><dd>{d.policy_number.clone()}</dd></div>
                    <div><dt>"Контактный телефон"</dt><dd>{move || phone.get()}</dd></div>
                    <div><dt>"Описание"</dt><dd class="pre">{move || description.get()}</dd></div>
                    <div><dt>"Файлы"</dt><dd id="review-files">{move || {
                        let names: Vec<String> = files.get().into_iter().map(|f| f.name).collect();
                        if names.is_empty() { "нет".to_string() } else { names.join(", ") }
                    }}</dd></div>
                </dl>
                <div class="actions">
                    <button type="button" class="btn" on:click=move |_| reviewing.set(false)>"Изменить"</button>
                    <button type="button" class="btn btn-primary" on:click=send disabled=move || submit.pending().get()>
                        {move || if submit.pending().get() { "Отправляем…" } else { "Отправить" }}
                    </button>
                </div>
            </section>
        </Show>
    }
}

/// The filters in the URL and the problems of their dates and page (dropped from the filter).
fn url_parsed() -> Memo<(RequestFilter, domain::FieldErrors)> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|m| {
            RequestFilter::parse(
                m.get("status"),
                m.get("kind"),
                m.get("policy"),
                m.get("from"),
                m.get("to"),
                m.get("page"),
            )
        })
    })
}

/// `/requests`: «История запросов».
#[component]
pub fn RequestsPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let live = expect_context::<Live>();
    let parsed = url_parsed();
    let filter = Memo::new(move |_| parsed.with(|(f, _)| f.clone()));
    let problems = Signal::derive(move || parsed.with(|(_, p)| p.clone()));
    let data = crate::codec::resource(
        move || (epoch.get(), live.requests.get(), filter.get()),
        |(_, _, f)| {
            list_requests(
                f.status,
                f.kind,
                f.policy_id,
                f.from.map(|d| d.to_string()),
                f.to.map(|d| d.to_string()),
                Some(f.page.to_string()),
            )
        },
    );
    view! {
        <Title text="История запросов — Кабинет страхователя"/>
        <h1>"История запросов"</h1>
        <QueryProblems problems/>
        <p class="hint">"Новый запрос создаётся со страницы полиса: «Мои полисы» → полис → «Создать запрос»."</p>
        <Transition fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(d) => view! { <RequestsList d filter=filter.get_untracked()/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn RequestsList(d: RequestsData, filter: RequestFilter) -> impl IntoView {
    let RequestsData { page, policies } = d;
    let link = crate::components::page_link("/requests", filter.query());
    let sel = |a: &Option<String>, b: &str| a.as_deref() == Some(b);
    view! {
        <Form method="GET" action="/requests" attr:class="filters">
            <div class="field">
                <label for="f-status">"Статус"</label>
                <select id="f-status" name="status">
                    <option value="">"Все"</option>
                    {RequestStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.code() selected=sel(&filter.status, s.code())>{s.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-kind">"Тип"</label>
                <select id="f-kind" name="kind">
                    <option value="">"Все"</option>
                    {RequestKind::ALL.into_iter().map(|k| view! {
                        <option value=k.code() selected=sel(&filter.kind, k.code())>{k.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-policy">"Полис"</label>
                <select id="f-policy" name="policy">
                    <option value="">"Все"</option>
                    {policies.iter().map(|p| view! {
                        <option value=p.id.clone() selected=sel(&filter.policy_id, &p.id)>{p.number.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-from">"С"</label>
                <input id="f-from" type="date" name="from" value=filter.from.map(|d| d.to_string())/>
            </div>
            <div class="field">
                <label for="f-to">"По"</label>
                <input id="f-to" type="date" name="to" value=filter.to.map(|d| d.to_string())/>
            </div>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Применить"</button>
                <a class="btn" href="/requests">"Сбросить"</a>
            </div>
        </Form>
        {if page.rows.is_empty() {
            view! { <p class="empty">"Запросов не найдено. Измените фильтр или создайте запрос со страницы полиса."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table table-cards" id="requests-table">
                        <caption class="sr-only">"Запросы страхователя"</caption>
                        <thead><tr>
                            <th scope="col">"Номер"</th>
                            <th scope="col">"Тип"</th>
                            <th scope="col">"Полис"</th>
                            <th scope="col">"Создан"</th>
                            <th scope="col">"Изменён"</th>
                            <th scope="col">"Статус"</th>
                        </tr></thead>
                        <tbody>
                            {page.rows.iter().map(|r| view! {
                                <tr>
                                    <td data-label="Номер"><a href=format!("/requests/{}", r.id)>{r.number.clone()}</a></td>
                                    <td data-label="Тип">{r.kind.label()}</td>
                                    <td data-label="Полис">{r.policy_number.clone()}</td>
                                    <td data-label="Создан">{format_datetime(r.created_at)}</td>
                                    <td data-label="Изменён">{format_datetime(r.updated_at)}</td>
                                    <td data-label="Статус"><span class=r.status.badge()>{r.status.label()}</span></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <Pager page=page.page per_page=page.per_page total=page.total href=link/>
            }.into_any()
        }}
    }
}

/// `/requests/{id}`: status, thread, documents and «Редактировать запрос».
#[component]
pub fn RequestPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let live = expect_context::<Live>();
    let params = use_params_map();
    let query = use_query_map();
    let created = Memo::new(move |_| query.with(|q| q.get("created").is_some()));
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let comment = ServerAction::<CommentRequest>::new();
    // Refetched after a comment went through (not after a refused one: the form keeps the text).
    let sent = RwSignal::new(0u32);
    let data = crate::codec::resource(
        move || (epoch.get(), id.get(), live.requests.get(), sent.get()),
        |(_, id, ..)| get_request(id),
    );
    // Beside the data, not inside it: a live update redraws the page but keeps what is typed.
    let errors = FormErrors::new();
    let text = RwSignal::new(String::new());
    let files = RwSignal::new(Vec::<Attachment>::new());
    let busy = RwSignal::new(false);
    let done = RwSignal::new(None::<&'static str>);
    Effect::new(move |_| {
        if let Some(r) = comment.value().get() {
            errors.show(&r);
            if r.is_ok() {
                text.set(String::new());
                files.set(Vec::new());
                done.set(Some("Комментарий добавлен."));
                sent.update(|n| *n += 1);
            } else {
                done.set(None);
            }
        }
    });
    let form = CommentState {
        errors,
        text,
        files,
        busy,
        done,
    };
    view! {
        <p class="crumbs"><a href="/requests">"← История запросов"</a></p>
        <Transition fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(v) => view! { <RequestDetail v comment form created=created.get_untracked()/> }.into_any(),
                Err(e) => view! {
                    <Title text="Запрос не найден — Кабинет страхователя"/>
                    <h1>"Запрос не найден"</h1>
                    <ErrorBox error=e/>
                }.into_any(),
            })}
        </Transition>
    }
}

/// Files attached to a request or a message, to download.
#[component]
fn FileList(files: Vec<Attachment>, #[prop(optional)] id: Option<&'static str>) -> impl IntoView {
    (!files.is_empty()).then(|| {
        view! {
            <ul class="files-list" id=id>
                {files.into_iter().map(|f| view! {
                    <li><a rel="external" download href=f.href()>{f.name.clone()}</a>
                        {format!(" ({})", domain::files::format_size(f.size.max(0) as u64))}</li>
                }).collect_view()}
            </ul>
        }
    })
}

/// A request's heading and status line (shared with the staff page, which also names the
/// assignee): the status, and the reason of a rejection. `children` go between the two.
#[component]
pub(crate) fn RequestHead(
    v: RequestView,
    #[prop(optional)] staff: bool,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let reason = v
        .reason
        .clone()
        .filter(|_| v.status == RequestStatus::Rejected);
    let assignee = v.assignee.clone().unwrap_or_else(|| "не назначен".into());
    view! {
        <h1>"Запрос " {v.number.clone()}</h1>
        {children.map(|c| c())}
        <p class="lead" aria-live="polite" id="request-status">
            "Статус: " <span class=v.status.badge()>{v.status.label()}</span>
            {reason.map(|r| view! { " · причина: " {r} })}
            {staff.then(|| view! { " · исполнитель: " {assignee} })}
        </p>
    }
}

/// The thread of a request (shared with the staff page).
#[component]
pub(crate) fn Thread(v: RequestView, #[prop(optional)] staff_links: bool) -> impl IntoView {
    let doc_href = move |id: &str| {
        if staff_links {
            format!("/staff/documents/{id}.pdf")
        } else {
            format!("/documents/{id}.pdf")
        }
    };
    view! {
        <dl class="facts">
            <div><dt>"Тип запроса"</dt><dd>{v.kind.label()}</dd></div>
            <div><dt>"Полис"</dt><dd>{v.policy_number.clone()}</dd></div>
            <div><dt>"Страхователь"</dt><dd>{v.policyholder_name.clone()}</dd></div>
            <div><dt>"Заявитель"</dt><dd>{v.full_name.clone()}</dd></div>
            <div><dt>"Контактный телефон"</dt><dd>{v.phone.clone()}</dd></div>
            <div><dt>"Создан"</dt><dd>{format_datetime(v.created_at)}</dd></div>
        </dl>
        <h2>"Описание"</h2>
        <p class="pre" id="request-description">{v.description.clone()}</p>
        <FileList files=v.files.clone() id="request-files"/>
        <h2>"Документы по запросу"</h2>
        {if v.documents.is_empty() {
            view! { <p class="muted">"Документов пока нет."</p> }.into_any()
        } else {
            view! {
                <ul class="documents-list" id="request-documents">
                    {v.documents.iter().map(|d| view! {
                        <li><a rel="external" download href=doc_href(&d.id)>{format!("{} № {} (PDF)", d.title, d.number)}</a></li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <h2>"Переписка"</h2>
        {if v.messages.is_empty() {
            view! { <p class="muted" id="thread-empty">"Сообщений пока нет."</p> }.into_any()
        } else {
            view! {
                <ol class="thread" id="thread">
                    {v.messages.iter().map(|m| {
                        let who = if m.from_staff { format!("Страховщик · {}", m.author) } else { m.author.clone() };
                        view! {
                            <li class="message" class:from-staff=m.from_staff>
                                <p class="message-head">
                                    <strong>{who}</strong> " · " {format_datetime(m.created_at)}
                                    {m.status.map(|s| view! { " · статус: " <span class=s.badge()>{s.label()}</span> })}
                                </p>
                                <p class="pre message-body">{m.body.clone()}</p>
                                <FileList files=m.files.clone()/>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }.into_any()
        }}
    }
}

#[derive(Clone, Copy)]
struct CommentState {
    errors: FormErrors,
    text: RwSignal<String>,
    files: RwSignal<Vec<Attachment>>,
    busy: RwSignal<bool>,
    done: RwSignal<Option<&'static str>>,
}

#[component]
fn RequestDetail(
    v: RequestView,
    comment: ServerAction<CommentRequest>,
    form: CommentState,
    created: bool,
) -> impl IntoView {
    let title = format!("Запрос {} — Кабинет страхователя", v.number);
    let id = v.id.clone();
    let is_final = v.status.is_final();
    let created_note = created.then(|| {
        format!(
            "Запрос отправлен. Номер запроса: {}. Квитанция о подаче — в разделе «Документы».",
            v.number
        )
    });
    view! {
        <Title text=title/>
        <RequestHead v=v.clone()>
            {created_note.map(|text| view! { <div class="alert alert-ok" role="status">{text}</div> })}
        </RequestHead>
        <Thread v=v.clone()/>
        {if is_final {
            view! { <p class="muted">"Запрос закрыт: добавить комментарий нельзя. При необходимости создайте новый запрос."</p> }.into_any()
        } else {
            view! {
                <section aria-labelledby="edit-title">
                    <h2 id="edit-title">"Редактировать запрос"</h2>
                    <CommentForm id=id.clone() comment form/>
                </section>
            }.into_any()
        }}
    }
}

/// «Редактировать запрос»'s form: a comment and/or files.
#[component]
fn CommentForm(id: String, comment: ServerAction<CommentRequest>, form: CommentState) -> AnyView {
    let CommentState {
        errors,
        text,
        files,
        busy,
        done,
    } = form;
    view! {
<form class="form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if comment.pending().get_untracked() || busy.get_untracked() {
                return;
            }
            comment.dispatch(CommentRequest {
                id: id.clone(),
                comment: text.get_untracked(),
                files: files.get_untracked().into_iter().map(|f| f.id).collect(),
            });
        }>
            <FormAlert errors/>
            <TextArea label="Комментарий" name="comment" errors value=text
                hint="Уточнение или ответ на вопрос страховщика; можно приложить только файлы"/>
            <FileUpload label="Добавить файл" name="files" files errors busy
                hint="PDF, JPEG или PNG до 5 МБ"/>
            <p class="form-done" aria-live="polite">{move || done.get()}</p>
            <button type="submit" class="btn btn-primary" disabled=move || comment.pending().get() || busy.get()>"Добавить комментарий"</button>
        </form>
    }
    .into_any()
}
