//! The pages of «Отчётность»: the list, the multi-step form with its autosaved draft, and one
//! report with its check log.

use super::{
    ReportStart, SendReport, delete_draft, get_report, get_report_start, get_reports, save_report,
};
use crate::AuthEpoch;
use crate::components::{ErrorBox, FormAlert, FormErrors, date, money};
use crate::error::AppError;
use crate::files::{Attachment, FileUpload};
use domain::dates::format_datetime;
use domain::reports::{
    CheckRow, ReportChoices, ReportForm, ReportKind, ReportRow, ReportStatus, ReportView, WorkRow,
    field_label, is_files_field, row_sum, works_total,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

/// How long after the last keystroke the draft is saved.
const AUTOSAVE_MS: u64 = 700;

fn loading() -> impl IntoView {
    view! { <p class="muted" role="status">"Загрузка…"</p> }
}

pub(super) fn status_badge(code: &str) -> impl IntoView + use<> {
    let status = ReportStatus::from_code(code);
    let class = match status {
        Some(ReportStatus::Done) => "badge badge-ok",
        Some(ReportStatus::Error) => "badge badge-bad",
        Some(ReportStatus::Review) => "badge badge-warn",
        _ => "badge badge-muted",
    };
    view! { <span class=class data-status=code.to_string()>{status.map_or("", ReportStatus::label)}</span> }
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let data = crate::codec::resource(move || epoch.get(), |_| get_reports());
    let removed = RwSignal::new(Vec::<String>::new());
    view! {
        <Title text="Отчётность — Кабинет страхователя"/>
        <h1>"Отчётность"</h1>
        <section aria-labelledby="new-report">
            <h2 id="new-report">"Новый отчёт"</h2>
            <ul class="report-kinds">
                {ReportKind::ALL.into_iter().map(|k| view! {
                    <li><a class="btn" href=format!("/reports/new/{}", k.code())>{k.label()}</a></li>
                }).collect_view()}
            </ul>
            <p><a href="/deadlines">"Сроки сдачи отчётов и заявлений"</a></p>
        </section>
        <Transition fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(d) => view! {
                    <p class="lead">{format!("Страхователь: {}", d.policyholder)}</p>
                    <section aria-labelledby="drafts">
                        <h2 id="drafts">"Черновики"</h2>
                        <Drafts rows=d.drafts removed/>
                    </section>
                    <section aria-labelledby="sent">
                        <h2 id="sent">"Отправленные отчёты"</h2>
                        <Sent rows=d.reports/>
                    </section>
                }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Drafts(rows: Vec<ReportRow>, removed: RwSignal<Vec<String>>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"Черновиков нет. Начатый отчёт сохраняется сам, пока вы его заполняете."</p> }.into_any();
    }
    let message = RwSignal::new(None::<String>);
    view! {
        <div aria-live="polite" class="sr-status">{move || message.get()}</div>
        <div class="table-wrap">
            <table class="table table-cards" id="drafts-table">
                <caption class="sr-only">"Черновики отчётов"</caption>
                <thead><tr>
                    <th scope="col">"Отчёт"</th><th scope="col">"Полис"</th><th scope="col">"Изменён"</th><th scope="col">"Действия"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let id = StoredValue::new(r.id.clone());
                        let href = format!("/reports/new/{}?draft={}", r.kind, r.id);
                        let label = r.kind_label();
                        let gone = move || id.with_value(|i| removed.with(|g| g.contains(i)));
                        view! {
                            <tr class:hidden=gone>
                                <td data-label="Отчёт">{label}</td>
                                <td data-label="Полис">{r.policy_number.clone().unwrap_or_else(|| "не выбран".into())}</td>
                                <td data-label="Изменён">{format_datetime(r.updated_at)}</td>
                                <td data-label="Действия" class="actions">
                                    <a class="btn btn-small" href=href>{format!("Продолжить: {label}")}</a>
                                    <button type="button" class="btn btn-small" on:click=move |_| {
                                        let i = id.get_value();
                                        leptos::task::spawn_local(async move {
                                            match delete_draft(i.clone()).await {
                                                Ok(()) => {
                                                    removed.update(|g| g.push(i));
                                                    message.set(Some("Черновик удалён".into()));
                                                }
                                                Err(e) => message.set(Some(e.to_string())),
                                            }
                                        });
                                    }>"Удалить"</button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }.into_any()
}

#[component]
fn Sent(rows: Vec<ReportRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"Отправленных отчётов пока нет."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table table-cards" id="reports-table">
                <caption class="sr-only">"Отправленные отчёты"</caption>
                <thead><tr>
                    <th scope="col">"Номер"</th><th scope="col">"Отчёт"</th><th scope="col">"Полис"</th>
                    <th scope="col">"Отправлен"</th><th scope="col">"Статус"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr>
                            <td data-label="Номер"><a href=format!("/reports/{}", r.id)>{r.number.clone().unwrap_or_default()}</a></td>
                            <td data-label="Отчёт">{r.kind_label()}</td>
                            <td data-label="Полис">{r.policy_number.clone().unwrap_or_default()}</td>
                            <td data-label="Отправлен">{r.submitted_at.map(format_datetime).unwrap_or_default()}</td>
                            <td data-label="Статус">{status_badge(&r.status)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }.into_any()
}

/// Writes one field of the form by its name (`works.N.col` for a works cell).
fn set_field(f: &mut ReportForm, field: &str, v: String) {
    match field {
        "policy_id" => f.policy_id = v,
        "occurred_at" => f.occurred_at = v,
        "place" => f.place = v,
        "description" => f.description = v,
        "cause" => f.cause = v,
        "damage" => f.damage = v,
        "event_id" => f.event_id = v,
        "recipient_name" => f.recipient_name = v,
        "recipient_inn" => f.recipient_inn = v,
        "bank_name" => f.bank_name = v,
        "bik" => f.bik = v,
        "account" => f.account = v,
        "amount" => f.amount = v,
        "paid_on" => f.paid_on = v,
        "new_rate" => f.new_rate = v,
        "effective_from" => f.effective_from = v,
        "effective_to" => f.effective_to = v,
        "grounds" => f.grounds = v,
        other => {
            let mut parts = other.split('.');
            if let (Some("works"), Some(Ok(i)), Some(col)) = (
                parts.next(),
                parts.next().map(str::parse::<usize>),
                parts.next(),
            ) && let Some(row) = f.works.get_mut(i)
            {
                match col {
                    "name" => row.name = v,
                    "quantity" => row.quantity = v,
                    _ => row.unit_price = v,
                }
            }
        }
    }
}

/// The step a field is on.
fn step_of(kind: ReportKind, field: &str) -> Option<usize> {
    let base = field.split('.').next().unwrap_or(field);
    kind.steps().iter().position(|s| s.fields.contains(&base))
}

fn focus_goes_to_button(ev: &web_sys::FocusEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.related_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| el.tag_name().eq_ignore_ascii_case("button"))
}

/// The shared state of one open form.
#[derive(Clone, Copy)]
struct Wizard {
    form: RwSignal<ReportForm>,
    errors: FormErrors,
    /// Called after every change: schedules the autosave.
    changed: Callback<()>,
    /// The attached files (their ids are the form's `files`).
    files: RwSignal<Vec<Attachment>>,
    /// A file is still uploading.
    busy: RwSignal<bool>,
}

impl Wizard {
    fn check(&self, field: &str) {
        let result = self
            .form
            .with_untracked(|f| f.check_field(field, chrono::Utc::now()).err());
        self.errors.set_field(field, result);
    }
}

/// A labelled input (or textarea) bound to one field of the form, checked as it is left.
#[component]
fn RField(
    w: Wizard,
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] textarea: bool,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional, into)] hint: Option<String>,
) -> impl IntoView {
    let id = format!("f-{}", name.replace('.', "-"));
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let has_hint = hint.is_some();
    let name = StoredValue::new(name);
    let error = move || name.with_value(|n| w.errors.field(n));
    let described = {
        let (err_id, hint_id) = (err_id.clone(), hint_id.clone());
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
    let value = move || name.with_value(|n| w.form.with(|f| f.value(n)));
    let on_input = move |v: String| {
        name.with_value(|n| {
            w.form.update(|f| set_field(f, n, v));
            if w.errors.field(n).is_some() {
                w.errors.set_field(n, None);
            }
        });
        w.changed.run(());
    };
    let on_blur = move |ev: web_sys::FocusEvent| {
        if !focus_goes_to_button(&ev) {
            name.with_value(|n| w.check(n));
        }
    };
    let input = if textarea {
        view! {
            <textarea id=id.clone() name=name.get_value() rows="4"
                prop:value=value
                on:input=move |ev| on_input(event_target_value(&ev))
                on:blur=on_blur
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described.clone()></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id.clone() name=name.get_value() type=kind inputmode=inputmode
                prop:value=value
                on:input=move |ev| on_input(event_target_value(&ev))
                on:blur=on_blur
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described.clone()/>
        }
        .into_any()
    };
    view! {
        <div class="field" class:field-invalid=move || error().is_some()>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {input}
            <p class="field-error" id=err_id>{error}</p>
        </div>
    }
}

/// A labelled select bound to one field.
#[component]
fn RSelect(
    w: Wizard,
    name: &'static str,
    #[prop(into)] label: String,
    options: Signal<Vec<(String, String)>>,
    #[prop(into)] empty: String,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let error = move || w.errors.field(name);
    let err_ref = err_id.clone();
    view! {
        <div class="field" class:field-invalid=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            <select id=id name=name
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    w.form.update(|f| set_field(f, name, v));
                    w.check(name);
                    w.changed.run(());
                }
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=move || error().is_some().then(|| err_ref.clone())>
                <option value="">{empty}</option>
                {move || {
                    let current = w.form.with(|f| f.value(name));
                    options.get().into_iter().map(|(v, text)| {
                        let selected = v == current;
                        view! { <option value=v selected=selected>{text}</option> }
                    }).collect_view()
                }}
            </select>
            <p class="field-error" id=err_id>{error}</p>
        </div>
    }
}

#[component]
pub fn ReportFormPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let params = use_params_map();
    let query = use_query_map();
    let kind = Memo::new(move |_| params.with(|p| p.get("kind").unwrap_or_default()));
    let draft = Memo::new(move |_| query.with(|q| q.get("draft").unwrap_or_default()));
    let start = crate::codec::resource(
        move || (epoch.get(), kind.get(), draft.get()),
        |(_, kind, draft)| get_report_start(kind, draft),
    );
    let submit = ServerAction::<SendReport>::new();
    view! {
        <p class="crumbs"><a href="/reports">"← Отчётность"</a></p>
        <Suspense fallback=loading>
            {move || start.get().map(|r| match r {
                Ok(s) => view! { <ReportWizard start=s submit/> }.into_any(),
                Err(AppError::NotFound) => view! { <crate::NotFound/> }.into_any(),
                Err(e) => view! { <Title text="Отчётность — Кабинет страхователя"/><h1>"Отчёт"</h1><ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[derive(Clone, PartialEq)]
enum SaveState {
    Idle,
    Saving,
    Saved(String),
    Failed(String),
}

#[component]
fn ReportWizard(start: ReportStart, submit: ServerAction<SendReport>) -> impl IntoView {
    let Some(kind) = start.form.kind() else {
        return view! { <crate::NotFound/> }.into_any();
    };
    let steps = kind.steps();
    let last = steps.len() - 1;
    let id = StoredValue::new(start.id.clone());
    let key = StoredValue::new(start.key.clone());
    let choices = StoredValue::new(start.choices.clone());
    let files = RwSignal::new(start.files.clone());
    let busy = RwSignal::new(false);
    // The form holds the files that are really there (a file gone since is dropped).
    let mut initial = start.form.clone();
    if kind.files_field().is_some() {
        initial.files = start.files.iter().map(|f| f.id.clone()).collect();
    }
    let form = RwSignal::new(initial);
    let errors = FormErrors::new();
    for c in &start.checks {
        if !c.field.is_empty() {
            errors.set_field(&c.field, Some(c.message.clone()));
        }
    }
    let step = RwSignal::new(0usize);
    let save_state = RwSignal::new(SaveState::Idle);
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let saved_once = StoredValue::new(!start.form.policy_id.is_empty() || start.status != "draft");

    let save_now = move || {
        if let Some(h) = timer.get_value() {
            h.clear();
            timer.set_value(None);
        }
        let f = form.get_untracked();
        let i = id.get_value();
        save_state.set(SaveState::Saving);
        // The answer may come after the form is gone (the user went on to another page): every
        // signal is touched with `try_`, which does nothing once it is disposed.
        leptos::task::spawn_local(async move {
            match save_report(i.clone(), f).await {
                Ok(_) => {
                    save_state.try_set(SaveState::Saved(
                        chrono::Utc::now()
                            .with_timezone(&domain::dates::moscow())
                            .format("%H:%M:%S")
                            .to_string(),
                    ));
                    // The address now names the draft, so a reload or a bookmark opens it.
                    if saved_once.try_get_value() == Some(false) {
                        saved_once.try_set_value(true);
                        #[cfg(feature = "hydrate")]
                        if let Ok(h) = window().history() {
                            let url = format!("/reports/new/{}?draft={i}", kind.code());
                            let _ = h.replace_state_with_url(
                                &wasm_bindgen::JsValue::NULL,
                                "",
                                Some(&url),
                            );
                        }
                    }
                }
                Err(e) => {
                    save_state.try_set(SaveState::Failed(e.to_string()));
                }
            }
        });
    };
    // Leaving the form (a link, «Назад») while an autosave waits on its timer: the timer is
    // cancelled and the edits are saved now, read while the form's signals still live.
    on_cleanup(move || {
        if let Some(Some(h)) = timer.try_get_value() {
            h.clear();
            if let (Some(f), Some(i)) = (form.try_get_untracked(), id.try_get_value()) {
                leptos::task::spawn_local(async move {
                    let _ = save_report(i, f).await;
                });
            }
        }
    });
    let changed = Callback::new(move |()| {
        if let Some(h) = timer.get_value() {
            h.clear();
        }
        save_state.set(SaveState::Idle);
        let handle =
            set_timeout_with_handle(save_now, std::time::Duration::from_millis(AUTOSAVE_MS)).ok();
        timer.set_value(handle);
    });
    let w = Wizard {
        form,
        errors,
        changed,
        files,
        busy,
    };
    // A file added or removed changes the form (and is autosaved like typing).
    Effect::new(move |prev: Option<()>| {
        let ids: Vec<String> = files.with(|fs| fs.iter().map(|f| f.id.clone()).collect());
        if prev.is_some() && form.with_untracked(|f| f.files != ids) {
            form.update(|f| f.files = ids);
            changed.run(());
        }
    });
    let wait_for_files = move || {
        let uploading = busy.get_untracked();
        if uploading && let Some(field) = kind.files_field() {
            errors.set_field(field, Some("Дождитесь, пока загрузятся файлы".into()));
        }
        uploading
    };

    let show_errors = move |e: domain::FieldErrors| {
        if let Some(s) = e.0.iter().filter_map(|x| step_of(kind, &x.field)).min() {
            step.set(s);
        }
        errors.show::<()>(&Err(AppError::Fields(e)));
    };
    let go_next = move || {
        if wait_for_files() {
            return;
        }
        let now = chrono::Utc::now();
        let e = form.with_untracked(|f| f.step_errors(kind, step.get_untracked(), now));
        if e.is_empty() {
            // Only this step's marks go: a returned report's marks on later steps stay.
            for f in form.with_untracked(|f| f.step_fields(kind, step.get_untracked())) {
                errors.set_field(&f, None);
            }
            step.update(|s| *s = (*s + 1).min(last));
            save_now();
            focus_step_heading();
        } else {
            show_errors(e);
        }
    };
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(r) = submit.value().get() {
            match r {
                Ok(v) => navigate(&format!("/reports/{}", v.id), Default::default()),
                Err(AppError::Fields(e)) => show_errors(e),
                Err(e) => errors.show::<()>(&Err(e)),
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if step.get_untracked() < last {
            go_next();
            return;
        }
        if submit.pending().get_untracked() || wait_for_files() {
            return;
        }
        if let Some(h) = timer.get_value() {
            h.clear();
            timer.set_value(None);
        }
        let f = form.get_untracked();
        match f.validate(chrono::Utc::now()) {
            Ok(_) => {
                submit.dispatch(SendReport {
                    id: id.get_value(),
                    key: key.get_value(),
                    form: f,
                });
            }
            Err(e) => show_errors(e),
        }
    };
    let correcting = (start.status == "error").then(|| {
        let number = start.number.clone().unwrap_or_default();
        let checks = start.checks.clone();
        view! {
            <div class="alert alert-error" role="alert">
                <strong>{format!("Отчёт {number} вернулся с ошибками")}</strong>
                <p>"Исправьте отмеченные поля и отправьте отчёт ещё раз."</p>
                <CheckLog checks/>
            </div>
        }
        .into_any()
    });
    let title = kind.label();
    let nav = view! {
        <nav aria-label="Шаги заполнения">
            <ol class="steps">
                {steps.iter().enumerate().map(|(i, s)| view! {
                    <li class:step-done=move || { step.get() > i } class:step-current=move || { step.get() == i }
                        aria-current=move || (step.get() == i).then_some("step")>
                        {format!("{}. {}", i + 1, s.title)}
                    </li>
                }.into_any()).collect_view()}
            </ol>
        </nav>
        <progress class="steps-progress" max=steps.len().to_string() value=move || (step.get() + 1).to_string()
            aria-label="Ход заполнения"></progress>
    }
    .into_any();
    let actions = view! {
        <div class="actions">
            <Show when=move || { step.get() > 0 }>
                <button type="button" class="btn" on:click=move |_| {
                    step.update(|s| *s = s.saturating_sub(1));
                    save_now();
                    focus_step_heading();
                }>"Назад"</button>
            </Show>
            {move || if step.get() < last {
                view! { <button type="submit" class="btn btn-primary">"Далее"</button> }.into_any()
            } else {
                view! {
                    <button type="submit" class="btn btn-primary" aria-disabled=move || submit.pending().get().then_some("true")>
                        {move || if submit.pending().get() { "Отправка…" } else { "Отправить" }}
                    </button>
                }.into_any()
            }}
        </div>
    }
    .into_any();
    let state = view! {
        <p class="muted draft-state" role="status" aria-live="polite">
            {move || match save_state.get() {
                SaveState::Idle => String::new(),
                SaveState::Saving => "Сохранение черновика…".into(),
                SaveState::Saved(t) => format!("Черновик сохранён в {t}"),
                SaveState::Failed(m) => format!("Черновик не сохранён: {m}"),
            }}
        </p>
    }
    .into_any();
    let form_view = view! {
        <form class="form report-form" on:submit=on_submit novalidate>
            <h2 id="step-title" tabindex="-1">
                {move || format!("Шаг {} из {}: {}", step.get() + 1, steps.len(), steps[step.get()].title)}
            </h2>
            <FormAlert errors/>
            {move || step_view(kind, step.get(), last, w, choices).into_any()}
            {actions}
            {state}
        </form>
    }
    .into_any();
    view! {
        <Title text=format!("{title} — Кабинет страхователя")/>
        <h1>{title}</h1>
        {correcting}
        {nav}
        {form_view}
    }
    .into_any()
}

fn focus_step_heading() {
    #[cfg(feature = "hydrate")]
    request_animation_frame(|| {
        use wasm_bindgen::JsCast;
        if let Some(el) = document()
            .get_element_by_id("step-title")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

fn policy_options(choices: StoredValue<ReportChoices>) -> Signal<Vec<(String, String)>> {
    let list: Vec<(String, String)> = choices.with_value(|c| {
        c.policies
            .iter()
            .map(|p| (p.id.clone(), p.label()))
            .collect()
    });
    Signal::stored(list)
}

fn step_view(
    kind: ReportKind,
    step: usize,
    last: usize,
    w: Wizard,
    choices: StoredValue<ReportChoices>,
) -> impl IntoView {
    if step == last {
        return view! { <Review kind w choices/> }.into_any();
    }
    let policies = policy_options(choices);
    let policy_select = move || {
        view! { <RSelect w name="policy_id" label="Полис" options=policies empty="— выберите полис —"/> }
    };
    match (kind, step) {
        (_, 0) if kind != ReportKind::Works => policy_select().into_any(),
        (ReportKind::Event, 1) => view! {
            <RField w name="occurred_at" label="Дата и время события" kind="datetime-local" hint="Московское время"/>
            <RField w name="place" label="Место события" hint="Адрес или описание места"/>
        }.into_any(),
        (ReportKind::Event, _) => view! {
            <RField w name="description" label="Что произошло" textarea=true/>
            <RField w name="cause" label="Причина ущерба"/>
            <RField w name="damage" label="Оценка ущерба, ₽" inputmode="decimal" hint="Например, 150 000 или 1 234,56"/>
            <FileUpload label="Документы об ущербе" name="damage_files" files=w.files errors=w.errors busy=w.busy
                hint="Фото повреждений, акт осмотра, справки: хотя бы один файл. PDF, JPEG или PNG, каждый не больше 5 МБ, до 10 файлов"/>
        }.into_any(),
        (ReportKind::Works, 0) => {
            let policy = Memo::new(move |_| w.form.with(|f| f.policy_id.clone()));
            let events = Signal::derive(move || {
                let p = policy.get();
                choices.with_value(|c| {
                    c.events
                        .iter()
                        .filter(|e| e.policy_id == p)
                        .map(|e| (e.id.clone(), e.label()))
                        .collect::<Vec<_>>()
                })
            });
            let none = move || !policy.get().is_empty() && events.with(Vec::is_empty);
            // `data-policy` says whose events the list shows: the list follows the policy chosen.
            view! {
                {policy_select()}
                <div class="events-of" data-policy=move || policy.get()>
                    <RSelect w name="event_id" label="Страховой случай" options=events empty="— выберите страховой случай —"/>
                    <Show when=none>
                        <p class="hint" id="no-events">"По этому полису нет зарегистрированных страховых случаев: выберите другой полис."</p>
                    </Show>
                </div>
            }.into_any()
        }
        (ReportKind::Works, _) => view! {
            <WorksTable w/>
            <FileUpload label="Счета-фактуры" name="invoices" files=w.files errors=w.errors busy=w.busy
                hint="Счета-фактуры на перечисленные работы: хотя бы один файл. PDF, JPEG или PNG, каждый не больше 5 МБ, до 10 файлов"/>
        }.into_any(),
        (ReportKind::Payout, 1) => view! {
            <RField w name="recipient_name" label="Получатель: ФИО или название организации"/>
            <RField w name="recipient_inn" label="ИНН получателя" inputmode="numeric" hint="10 цифр для организации, 12 — для человека"/>
            <RField w name="bank_name" label="Банк"/>
            <RField w name="bik" label="БИК" inputmode="numeric" hint="9 цифр, начинается с 04"/>
            <RField w name="account" label="Расчётный счёт" inputmode="numeric" hint="20 цифр; проверяется вместе с БИК"/>
        }.into_any(),
        (ReportKind::Payout, _) => view! {
            <RField w name="amount" label="Полученная сумма, ₽" inputmode="decimal"/>
            <RField w name="paid_on" label="Дата получения" kind="date"/>
        }.into_any(),
        (ReportKind::Recalc, 1) => view! {
            <RField w name="new_rate" label="Новая ставка, %" inputmode="decimal" hint="Например, 2,35"/>
            <RField w name="effective_from" label="Действует с" kind="date"/>
            <RField w name="effective_to" label="Действует по" kind="date"/>
        }.into_any(),
        (ReportKind::Recalc, _) => view! {
            <RField w name="grounds" label="Основания пересчёта" textarea=true/>
            <FileUpload label="Подтверждающие документы" name="documents" files=w.files errors=w.errors busy=w.busy
                hint="Документы, на которых основан пересчёт: хотя бы один файл. PDF, JPEG или PNG, каждый не больше 5 МБ, до 10 файлов"/>
        }.into_any(),
    }
}

#[component]
fn WorksTable(w: Wizard) -> impl IntoView {
    let rows = Memo::new(move |_| w.form.with(|f| f.works.len()));
    let error = move || w.errors.field("works");
    let total = move || w.form.with(|f| works_total(&f.works));
    // Outside `view!`: there a `>=` in an attribute would close the tag.
    let full = move || rows.get() >= domain::reports::MAX_WORKS;
    view! {
        <div class="field" class:field-invalid=move || error().is_some()>
            <div class="table-wrap">
                <table class="table works-table" aria-describedby="f-works-error">
                    <caption>"Перечень работ"</caption>
                    <thead><tr>
                        <th scope="col">"№"</th><th scope="col">"Наименование работы"</th><th scope="col">"Количество"</th>
                        <th scope="col">"Цена за единицу, ₽"</th><th scope="col" class="num">"Сумма"</th><th scope="col"><span class="sr-only">"Удалить"</span></th>
                    </tr></thead>
                    <tbody>
                        {move || (0..rows.get()).map(|i| {
                            let sum = move || w.form.with(|f| f.works.get(i).and_then(row_sum)).map(money).unwrap_or_else(|| "—".into());
                            view! {
                                <tr>
                                    <td data-label="№">{i + 1}</td>
                                    <td data-label="Наименование"><RCell w i col="name" label=format!("Наименование работы, строка {}", i + 1)/></td>
                                    <td data-label="Количество"><RCell w i col="quantity" label=format!("Количество, строка {}", i + 1)/></td>
                                    <td data-label="Цена"><RCell w i col="unit_price" label=format!("Цена за единицу, строка {}", i + 1)/></td>
                                    <td data-label="Сумма" class="num">{sum}</td>
                                    <td>
                                        <button type="button" class="btn btn-small" prop:disabled={move || rows.get() <= 1}
                                            on:click=move |_| {
                                                w.form.update(|f| { if i < f.works.len() { f.works.remove(i); } });
                                                w.errors.set_field("works", None);
                                                w.changed.run(());
                                            }>{format!("Удалить строку {}", i + 1)}</button>
                                    </td>
                                </tr>
                            }.into_any()
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p class="field-error" id="f-works-error">{error}</p>
        </div>
        <button type="button" class="btn" prop:disabled=full
            on:click=move |_| {
                w.form.update(|f| f.works.push(WorkRow::default()));
                w.errors.set_field("works", None);
                w.changed.run(());
            }>"Добавить работу"</button>
        <p class="pay-sum" aria-live="polite">"Итого: " <strong id="works-total">{move || money(total())}</strong></p>
    }
    .into_any()
}

/// One cell of the works table.
#[component]
fn RCell(w: Wizard, i: usize, col: &'static str, label: String) -> impl IntoView {
    let name = format!("works.{i}.{col}");
    let id = format!("f-works-{i}-{col}");
    let err_id = format!("{id}-error");
    let n = StoredValue::new(name);
    let error = move || n.with_value(|n| w.errors.field(n));
    let err_ref = err_id.clone();
    view! {
        <input id=id type="text" aria-label=label inputmode=(col != "name").then_some("decimal")
            prop:value=move || n.with_value(|n| w.form.with(|f| f.value(n)))
            on:input=move |ev| {
                let v = event_target_value(&ev);
                n.with_value(|n| {
                    w.form.update(|f| set_field(f, n, v));
                    if w.errors.field(n).is_some() { w.errors.set_field(n, None); }
                });
                w.changed.run(());
            }
            on:blur=move |ev| { if !focus_goes_to_button(&ev) { n.with_value(|n| w.check(n)); } }
            aria-invalid=move || error().is_some().then_some("true")
            aria-describedby=move || error().is_some().then(|| err_ref.clone())/>
        <p class="field-error" id=err_id>{error}</p>
    }
    .into_any()
}

/// The review step: everything as it will be sent.
#[component]
fn Review(kind: ReportKind, w: Wizard, choices: StoredValue<ReportChoices>) -> impl IntoView {
    let f = w.form.get_untracked();
    view! {
        <p>"Проверьте данные. Чтобы исправить, вернитесь на нужный шаг — введённое сохранится."</p>
        <ReportSummary kind form=f choices=choices.get_value() files=w.files.get_untracked()/>
    }
}

/// A report's fields as a list of label and value (the review step, the report page, staff).
#[component]
pub(super) fn ReportSummary(
    kind: ReportKind,
    form: ReportForm,
    choices: ReportChoices,
    /// The attached files, shown under the kind's files field.
    files: Vec<Attachment>,
) -> impl IntoView {
    let works = form.works.clone();
    let shown = move |field: &str| -> String {
        let v = form.value(field);
        match field {
            "policy_id" => choices
                .policies
                .iter()
                .find(|p| p.id == v)
                .map(|p| p.label())
                .unwrap_or(v),
            "event_id" => choices
                .events
                .iter()
                .find(|e| e.id == v)
                .map(|e| e.label())
                .unwrap_or(v),
            "occurred_at" => domain::dates::parse_local_datetime(&v)
                .map(format_datetime)
                .unwrap_or(v),
            "paid_on" | "effective_from" | "effective_to" => {
                domain::dates::parse_date(&v).map(date).unwrap_or(v)
            }
            "new_rate" => domain::reports::rate(&v)
                .map(domain::reports::format_rate)
                .unwrap_or(v),
            "damage" | "amount" => domain::Money::parse_rubles(&v).map(money).unwrap_or(v),
            _ => v,
        }
    };
    view! {
        <dl class="summary">
            {kind.fields().into_iter().filter(|f| *f != "works" && !is_files_field(f)).map(|f| view! {
                <dt>{field_label(f)}</dt>
                <dd>{shown(f)}</dd>
            }).collect_view()}
            {kind.files_field().map(|f| view! {
                <dt>{field_label(f)}</dt>
                <dd id="summary-files">
                    {if files.is_empty() {
                        view! { <span class="muted">"не приложены"</span> }.into_any()
                    } else {
                        view! { <FileLinks files=files.clone()/> }.into_any()
                    }}
                </dd>
            })}
        </dl>
        {(kind == ReportKind::Works).then(|| view! {
            <table class="table">
                <caption>"Перечень работ"</caption>
                <thead><tr><th scope="col">"Наименование"</th><th scope="col">"Количество"</th><th scope="col" class="num">"Цена"</th><th scope="col" class="num">"Сумма"</th></tr></thead>
                <tbody>
                    {works.iter().map(|r| view! {
                        <tr>
                            <td>{r.name.clone()}</td><td>{r.quantity.clone()}</td>
                            <td class="num">{domain::Money::parse_rubles(&r.unit_price).map(money).unwrap_or_else(|_| r.unit_price.clone())}</td>
                            <td class="num">{row_sum(r).map(money).unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="pay-sum">"Итого: " <strong>{money(works_total(&works))}</strong></p>
        })}
    }
}

/// Files to download: name and size, each a link.
#[component]
pub(super) fn FileLinks(files: Vec<Attachment>) -> impl IntoView {
    view! {
        <ul class="files-list">
            {files.into_iter().map(|f| view! {
                <li><a href=f.href() download>{f.name.clone()}</a>
                    {format!(" ({})", domain::files::format_size(f.size.max(0) as u64))}</li>
            }).collect_view()}
        </ul>
    }
}

/// The check log: every failed rule with its error id.
#[component]
pub(super) fn CheckLog(checks: Vec<CheckRow>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table table-cards check-log">
                <caption>"Журнал проверки"</caption>
                <thead><tr>
                    <th scope="col">"Код ошибки"</th><th scope="col">"Поле"</th><th scope="col">"Значение"</th><th scope="col">"Правило"</th>
                </tr></thead>
                <tbody>
                    {checks.into_iter().map(|c| view! {
                        <tr>
                            <td data-label="Код ошибки"><code>{c.id.clone()}</code></td>
                            <td data-label="Поле">{if c.field.is_empty() { "Отчёт в целом".to_string() } else { c.field_label().to_string() }}</td>
                            <td data-label="Значение">{c.value.clone()}</td>
                            <td data-label="Правило">{c.message.clone()}
                                {(c.source == "staff").then(|| view! { <span class="muted">" (замечание сотрудника)"</span> })}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let data = crate::codec::resource(move || (epoch.get(), id.get()), |(_, id)| get_report(id));
    view! {
        <p class="crumbs"><a href="/reports">"← Отчётность"</a></p>
        <Suspense fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(v) => view! { <ReportDetail v/> }.into_any(),
                Err(AppError::NotFound) => view! { <crate::NotFound/> }.into_any(),
                Err(e) => view! { <h1>"Отчёт"</h1><ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn ReportDetail(v: ReportView) -> impl IntoView {
    let Some(kind) = v.kind() else {
        return view! { <crate::NotFound/> }.into_any();
    };
    let status = v.status();
    let number = v.number.clone().unwrap_or_else(|| "черновик".into());
    let edit = format!("/reports/new/{}?draft={}", v.kind, v.id);
    let choices = ReportChoices::default();
    let mut form = v.form.clone();
    // The page has no list of policies: show the policy's number instead of its id.
    if let Some(n) = &v.policy_number {
        form.policy_id = n.clone();
    }
    view! {
        <Title text=format!("Отчёт {number} — Кабинет страхователя")/>
        <h1>{format!("{} {number}", kind.label())}</h1>
        <p class="report-status">"Статус: " {status_badge(&v.status)}</p>
        <dl class="summary">
            <dt>"Страхователь"</dt><dd>{v.policyholder.clone()}</dd>
            {v.submitted_at.map(|t| view! { <dt>"Отправлен"</dt><dd>{format_datetime(t)}</dd> })}
            <dt>"Версия"</dt><dd>{v.version}</dd>
        </dl>
        {match status {
            ReportStatus::Error => view! {
                <div class="alert alert-error" role="alert">
                    <strong>"Отчёт не прошёл проверку"</strong>
                    <p>"Исправьте ошибки из журнала и отправьте отчёт ещё раз. Код ошибки поможет службе поддержки."</p>
                </div>
                {(!v.staff_comment.is_empty()).then(|| view! { <p><strong>"Комментарий сотрудника: "</strong>{v.staff_comment.clone()}</p> })}
                <CheckLog checks=v.checks.clone()/>
                <p><a class="btn btn-primary" href=edit.clone()>"Исправить"</a></p>
            }.into_any(),
            ReportStatus::Review => view! {
                <div class="alert" role="status">"Отчёт прошёл автоматическую проверку и передан сотруднику страховщика."</div>
            }.into_any(),
            ReportStatus::Done => view! {
                <div class="alert alert-ok" role="status">
                    <strong>"Проверка завершена"</strong>
                    {(!v.staff_comment.is_empty()).then(|| view! { <p>{v.staff_comment.clone()}</p> })}
                </div>
            }.into_any(),
            ReportStatus::Draft => view! {
                <p><a class="btn btn-primary" href=edit.clone()>"Продолжить заполнение"</a></p>
            }.into_any(),
        }}
        <h2>"Данные отчёта"</h2>
        <ReportSummary kind form choices files=v.files.clone()/>
        {(!v.versions.is_empty()).then(|| view! {
            <h2>"Версии"</h2>
            <ul class="versions">
                {v.versions.iter().map(|x| view! {
                    <li>{format!("Версия {} — отправлена {}", x.version, format_datetime(x.submitted_at))}
                        {(kind.files_field().is_some() && !x.files.is_empty()).then(|| view! {
                            <span class="muted">" · файлы: "</span>
                            {x.files.iter().map(|f| f.name.clone()).collect::<Vec<_>>().join(", ")}
                        })}
                    </li>
                }).collect_view()}
            </ul>
        })}
    }
    .into_any()
}
