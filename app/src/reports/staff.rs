//! Staff review of reports: the reports «На проверке» (`/staff/reports`) and one report with the
//! decision (`/staff/reports/{id}`): «Принять» (→ «Завершено») or «Вернуть с ошибками» (→ «Ошибка»,
//! with a comment and an error on a field, which the author sees in the check log).

use super::pages::{CheckLog, ReportSummary, status_badge};
use super::{StaffDecideReport, staff_get_report, staff_list_reports};
use crate::AuthEpoch;
use crate::components::{ErrorBox, FormAlert, FormErrors};
use crate::error::AppError;
use domain::dates::format_datetime;
use domain::reports::{ReportChoices, ReportStatus, ReportView, field_label};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn loading() -> impl IntoView {
    view! { <p class="muted" role="status">"Загрузка…"</p> }
}

#[component]
pub fn StaffReportsPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let list = crate::codec::resource(move || epoch.get(), |_| staff_list_reports());
    let extensions = super::deadlines::extensions_resource();
    view! {
        <Suspense fallback=loading>
            {move || list.get().map(|r| match r {
                Ok(rows) => view! {
                    <Title text="Отчёты на проверке — Кабинет страхователя"/>
                    <p class="crumbs"><a href="/staff">"← Кабинет сотрудника"</a></p>
                    <h1>"Отчёты на проверке"</h1>
                    {if rows.is_empty() {
                        view! { <p class="muted">"Отчётов на проверке нет."</p> }.into_any()
                    } else {
                        view! {
                            <div class="table-wrap">
                                <table class="table table-cards" id="staff-reports">
                                    <caption class="sr-only">"Отчёты на проверке"</caption>
                                    <thead><tr>
                                        <th scope="col">"Номер"</th><th scope="col">"Отчёт"</th><th scope="col">"Страхователь"</th>
                                        <th scope="col">"Полис"</th><th scope="col">"Отправлен"</th>
                                    </tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|r| view! {
                                            <tr>
                                                <td data-label="Номер"><a href=format!("/staff/reports/{}", r.id)>{r.number.clone().unwrap_or_default()}</a></td>
                                                <td data-label="Отчёт">{r.kind_label()}</td>
                                                <td data-label="Страхователь">{r.policyholder.clone()}</td>
                                                <td data-label="Полис">{r.policy_number.clone().unwrap_or_default()}</td>
                                                <td data-label="Отправлен">{r.submitted_at.map(format_datetime).unwrap_or_default()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                    }}
                    <super::deadlines::StaffExtensions list=extensions/>
                }.into_any(),
                Err(AppError::NotFound) => view! { <crate::NotFound/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
pub fn StaffReportPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let decide = ServerAction::<StaffDecideReport>::new();
    // The page's data reloads only after a decision went through (not on a refused attempt).
    let decided = Memo::new(move |_| {
        decide.value().with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(|v| v.status.clone())
        })
    });
    let data = crate::codec::resource(
        move || (epoch.get(), id.get(), decided.get()),
        |(_, id, _)| staff_get_report(id),
    );
    view! {
        <p class="crumbs"><a href="/staff/reports">"← Отчёты на проверке"</a></p>
        <Suspense fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(v) => view! { <StaffReport v decide/> }.into_any(),
                Err(AppError::NotFound) => view! { <crate::NotFound/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn StaffReport(v: ReportView, decide: ServerAction<StaffDecideReport>) -> impl IntoView {
    let Some(kind) = v.kind() else {
        return view! { <crate::NotFound/> }.into_any();
    };
    let number = v.number.clone().unwrap_or_default();
    let id = StoredValue::new(v.id.clone());
    let comment = RwSignal::new(String::new());
    let field = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let errors = FormErrors::new();
    Effect::new(move |_| {
        if let Some(r) = decide.value().get() {
            errors.show(&r);
        }
    });
    let send = move |decision: &'static str| {
        if decide.pending().get_untracked() {
            return;
        }
        decide.dispatch(StaffDecideReport {
            id: id.get_value(),
            decision: decision.into(),
            comment: comment.get_untracked(),
            field: field.get_untracked(),
            message: message.get_untracked(),
        });
    };
    let mut form = v.form.clone();
    if let Some(n) = &v.policy_number {
        form.policy_id = n.clone();
    }
    let on_review = v.status() == ReportStatus::Review;
    view! {
        <Title text=format!("Отчёт {number} — проверка — Кабинет страхователя")/>
        <h1>{format!("{} {number}", kind.label())}</h1>
        <p class="report-status">"Статус: " {status_badge(&v.status)}</p>
        <dl class="summary">
            <dt>"Страхователь"</dt><dd>{v.policyholder.clone()}</dd>
            <dt>"Версия"</dt><dd>{v.version}</dd>
            {v.submitted_at.map(|t| view! { <dt>"Отправлен"</dt><dd>{format_datetime(t)}</dd> })}
        </dl>
        <ReportSummary kind form choices=ReportChoices::default() files=v.files.clone()/>
        {(!v.checks.is_empty()).then(|| view! { <CheckLog checks=v.checks.clone()/> })}
        {on_review.then(|| view! {
            <form class="form staff-decision" on:submit=|ev| ev.prevent_default() novalidate>
                <h2>"Решение"</h2>
                <FormAlert errors/>
                <div class="field" class:field-invalid=move || errors.field("comment").is_some()>
                    <label for="f-comment">"Комментарий"</label>
                    <textarea id="f-comment" name="comment" rows="3" prop:value=move || comment.get()
                        on:input=move |ev| comment.set(event_target_value(&ev))
                        aria-invalid=move || errors.field("comment").is_some().then_some("true")
                        aria-describedby="f-comment-error"></textarea>
                    <p class="field-error" id="f-comment-error">{move || errors.field("comment")}</p>
                </div>
                <div class="field">
                    <label for="f-field">"Поле с ошибкой (при возврате)"</label>
                    <select id="f-field" name="field" on:change=move |ev| field.set(event_target_value(&ev))>
                        <option value="">"— не указано —"</option>
                        {kind.fields().into_iter().map(|f| view! { <option value=f>{field_label(f)}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="f-message">"Описание ошибки"</label>
                    <input id="f-message" name="message" type="text" prop:value=move || message.get()
                        on:input=move |ev| message.set(event_target_value(&ev))/>
                </div>
                <div class="actions">
                    <button type="button" class="btn btn-primary" on:click=move |_| send("accept")>"Принять"</button>
                    <button type="button" class="btn" on:click=move |_| send("return")>"Вернуть с ошибками"</button>
                </div>
            </form>
        })}
    }
    .into_any()
}
