//! The page «Доверенности».

use super::{AnswerGrant, EndGrant, GrantAccess, MchdFill, PolicyChoice, ProxiesData, get_proxies};
use crate::AuthEpoch;
use crate::components::{ErrorBox, Field, FormAlert, FormErrors};
use crate::files::{Attachment, FileUpload};
use crate::live::Live;
use crate::policies::today;
use domain::delegation::{
    BASIS_SCAN_NEEDED, GRANTABLE, GrantForm, GrantRow, GrantState, needs_review,
};
use domain::status::AuthorityRole;
use leptos::prelude::*;
use leptos_meta::Title;

fn loading() -> impl IntoView {
    view! { <p class="muted" role="status">"Загрузка…"</p> }
}

fn state_class(s: GrantState) -> &'static str {
    match s {
        GrantState::InForce => "badge badge-ok",
        GrantState::Revoked | GrantState::Declined | GrantState::Expired | GrantState::Rejected => {
            "badge badge-bad"
        }
        _ => "badge",
    }
}

/// «Выдать доступ» as typed: kept by the page, so a refresh of the lists (a live update, an
/// answer) never loses what was typed.
#[derive(Clone, Copy)]
struct Draft {
    full_name: RwSignal<String>,
    id_number: RwSignal<String>,
    contact: RwSignal<String>,
    role: RwSignal<String>,
    report: RwSignal<bool>,
    pay: RwSignal<bool>,
    delegate: RwSignal<bool>,
    scope: RwSignal<String>,
    policies: RwSignal<Vec<String>>,
    valid_from: RwSignal<String>,
    valid_to: RwSignal<String>,
    basis: RwSignal<String>,
    notarised: RwSignal<bool>,
    /// The scans of the basis, uploaded as they are chosen.
    files: RwSignal<Vec<Attachment>>,
    /// A scan is still uploading.
    busy: RwSignal<bool>,
}

impl Draft {
    fn new() -> Self {
        Draft {
            full_name: RwSignal::new(String::new()),
            id_number: RwSignal::new(String::new()),
            contact: RwSignal::new(String::new()),
            role: RwSignal::new("trusted".into()),
            report: RwSignal::new(false),
            pay: RwSignal::new(false),
            delegate: RwSignal::new(false),
            scope: RwSignal::new("all".into()),
            policies: RwSignal::new(Vec::new()),
            valid_from: RwSignal::new(String::new()),
            valid_to: RwSignal::new(String::new()),
            basis: RwSignal::new(String::new()),
            notarised: RwSignal::new(false),
            files: RwSignal::new(Vec::new()),
            busy: RwSignal::new(false),
        }
    }

    /// This grant will wait for a staff check of its basis.
    fn checked(&self, organisation: bool) -> bool {
        AuthorityRole::from_code(&self.role.get())
            .is_some_and(|r| needs_review(r, self.notarised.get(), organisation))
    }

    fn form(&self) -> GrantForm {
        GrantForm {
            full_name: self.full_name.get_untracked(),
            id_number: self.id_number.get_untracked(),
            contact: self.contact.get_untracked(),
            role: self.role.get_untracked(),
            report: self.report.get_untracked(),
            pay: self.pay.get_untracked(),
            delegate: self.delegate.get_untracked(),
            policies: self.policies.get_untracked(),
            scope: self.scope.get_untracked(),
            valid_from: self.valid_from.get_untracked(),
            valid_to: self.valid_to.get_untracked(),
            basis: self.basis.get_untracked(),
            notarised: self.notarised.get_untracked(),
            files: self
                .files
                .with_untracked(|f| f.iter().map(|a| a.id.clone()).collect()),
        }
    }

    /// Empties every field (the signals stay, so the form's inputs follow).
    fn clear(&self) {
        for s in [
            self.full_name,
            self.id_number,
            self.contact,
            self.valid_from,
            self.valid_to,
            self.basis,
        ] {
            s.set(String::new());
        }
        self.role.set("trusted".into());
        self.scope.set("all".into());
        self.policies.set(Vec::new());
        for b in [self.report, self.pay, self.delegate, self.notarised] {
            b.set(false);
        }
        self.files.set(Vec::new());
    }
}

#[component]
pub fn ProxiesPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let live = expect_context::<Live>();
    let grant = ServerAction::<GrantAccess>::new();
    let answer = ServerAction::<AnswerGrant>::new();
    let end = ServerAction::<EndGrant>::new();
    // Bumped when a grant went out: the lists show it.
    let sent = RwSignal::new(0u32);
    let data = crate::codec::resource(
        move || {
            (
                epoch.get(),
                live.notices.get(),
                sent.get(),
                answer.version().get(),
                end.version().get(),
            )
        },
        |_| get_proxies(),
    );
    let draft = Draft::new();
    let errors = FormErrors::new();
    let done = RwSignal::new(None::<String>);
    // Whether the acting policyholder is an organisation, as the last answer said.
    let organisation = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(d)) = data.get() {
            organisation.set(d.organisation);
        }
    });
    Effect::new(move |_| {
        if let Some(r) = grant.value().get() {
            match &r {
                Ok(_) => {
                    let f = draft.form();
                    // Untracked: `clear` below sets the signals `checked` reads, and this
                    // effect must not run again for that (it would clear the form forever).
                    let checked = untrack(|| draft.checked(organisation.get_untracked()));
                    done.set(Some(format!(
                        "Приглашение отправлено: {}. Доступ начнёт действовать, когда {} примет его в своём кабинете{}.",
                        f.contact.trim(),
                        f.full_name.trim(),
                        if checked { " и сотрудник страховщика проверит основание" } else { "" }
                    )));
                    draft.clear();
                    errors.show(&r);
                    sent.update(|n| *n += 1);
                }
                Err(_) => {
                    done.set(None);
                    errors.show(&r);
                }
            }
        }
    });
    // Accepting changes whom the account may act for: the header's list follows.
    Effect::new(move |_| {
        if let Some(Ok(())) = answer.value().get() {
            epoch.bump();
        }
    });
    view! {
        <Title text="Доверенности — Кабинет страхователя"/>
        <h1>"Доверенности"</h1>
        <p class="lead">"Кто может действовать от вашего имени в кабинете, с какими правами и до какого срока. Отозвать доступ можно в любой момент: он прекращается сразу."</p>
        <Transition fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(d) => view! { <Proxies data=d grant answer end draft errors done/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Proxies(
    data: ProxiesData,
    grant: ServerAction<GrantAccess>,
    answer: ServerAction<AnswerGrant>,
    end: ServerAction<EndGrant>,
    draft: Draft,
    errors: FormErrors,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let ProxiesData {
        acting,
        can_grant,
        organisation,
        given,
        policies,
        invitations,
        held,
    } = data;
    let acting_name = acting.as_ref().map(|a| a.name.clone()).unwrap_or_default();
    let answer_error = move || {
        answer
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let end_error = move || {
        end.value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        {(!invitations.is_empty()).then(|| view! {
            <section aria-labelledby="invitations" class="panel">
                <h2 id="invitations">"Вам выдан доступ"</h2>
                <p class="field-error" role="alert">{answer_error}</p>
                <ul class="grant-list">
                    {invitations.into_iter().map(|g| {
                        let id = StoredValue::new(g.id.clone());
                        view! {
                            <li class="grant">
                                <GrantFacts g=g.clone() who="Страхователь"/>
                                <div class="actions">
                                    <button type="button" class="btn btn-primary"
                                        disabled=move || answer.pending().get()
                                        on:click=move |_| { answer.dispatch(AnswerGrant { id: id.get_value(), accept: true }); }>
                                        {format!("Принять доступ к «{}»", g.party)}
                                    </button>
                                    <button type="button" class="btn"
                                        disabled=move || answer.pending().get()
                                        on:click=move |_| { answer.dispatch(AnswerGrant { id: id.get_value(), accept: false }); }>
                                        "Отклонить"
                                    </button>
                                </div>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })}
        {can_grant.then(|| view! {
            <section aria-labelledby="given">
                <h2 id="given">{format!("Кто имеет доступ к «{acting_name}»")}</h2>
                <p class="field-error" role="alert">{end_error}</p>
                {if given.is_empty() {
                    view! { <p class="muted">"Кроме вас — никто."</p> }.into_any()
                } else {
                    view! {
                        <ul class="grant-list">
                            {given.into_iter().map(|g| {
                                let id = StoredValue::new(g.id.clone());
                                let can_end = g.state.can_end();
                                let pending = g.state == GrantState::Pending;
                                let label = if pending {
                                    format!("Отменить приглашение для {}", g.party)
                                } else {
                                    format!("Отозвать доступ у {}", g.party)
                                };
                                view! {
                                    <li class="grant">
                                        <GrantFacts g who="Кому"/>
                                        {can_end.then(|| view! {
                                            <div class="actions">
                                                <button type="button" class="btn btn-danger"
                                                    disabled=move || end.pending().get()
                                                    on:click=move |_| { end.dispatch(EndGrant { id: id.get_value() }); }>
                                                    {label}
                                                </button>
                                            </div>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <GrantFormView policies organisation grant draft errors done/>
        })}
        {(!can_grant && acting.is_some()).then(|| view! {
            <p class="muted">"Вы действуете по доверенности без права передоверия: выдать доступ другим может только сам страхователь."</p>
        })}
        <section aria-labelledby="held">
            <h2 id="held">"Вы действуете от имени"</h2>
            {if held.is_empty() {
                view! { <p class="muted">"Других страхователей, от имени которых вы можете действовать, нет."</p> }.into_any()
            } else {
                view! {
                    <ul class="grant-list">
                        {held.into_iter().map(|g| view! { <li class="grant"><GrantFacts g who="Страхователь"/></li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// One grant's facts: the other party, role, rights, policies, period, basis, state.
#[component]
fn GrantFacts(g: GrantRow, who: &'static str) -> impl IntoView {
    view! {
        <dl class="facts">
            <div><dt>{who}</dt>
                <dd>{g.party.clone()} " " <span class=state_class(g.state)>{g.state.label()}</span></dd></div>
            <div><dt>"Роль"</dt><dd>{g.role_label()}</dd></div>
            <div><dt>"Права"</dt><dd>{g.rights.label()}</dd></div>
            <div><dt>"Полисы"</dt><dd>{g.scope_label()}</dd></div>
            <div><dt>"Срок"</dt><dd>{g.period_label()}</dd></div>
            <div><dt>"Основание"</dt><dd>{g.basis.clone()}
                {(!g.files.is_empty()).then(|| view! {
                    <ul class="files-list">
                        {g.files.iter().map(|f| view! {
                            <li><a rel="external" download href=f.href()>{f.name.clone()}</a></li>
                        }).collect_view()}
                    </ul>
                })}
            </dd></div>
            {g.review.label().map(|l| view! {
                <div><dt>"Проверка основания"</dt><dd>{l}</dd></div>
            })}
            {(!g.granted_by.is_empty()).then(|| view! {
                <div><dt>"Выдал(а)"</dt><dd>{g.granted_by.clone()}</dd></div>
            })}
        </dl>
    }
}

/// A labelled checkbox bound to `value`.
#[component]
fn Check(
    #[prop(into)] label: String,
    name: &'static str,
    value: RwSignal<bool>,
    errors: FormErrors,
) -> impl IntoView {
    view! {
        <label class="checkbox">
            <input type="checkbox" id=format!("f-{name}") name=name
                prop:checked=move || value.get()
                on:change=move |ev| { value.set(event_target_checked(&ev)); errors.set_field("policies", None); }/>
            {label}
        </label>
    }
}

#[component]
fn GrantFormView(
    policies: Vec<PolicyChoice>,
    organisation: bool,
    grant: ServerAction<GrantAccess>,
    draft: Draft,
    errors: FormErrors,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let check = move |field: &'static str| {
        Callback::new(move |()| {
            errors.set_field(field, draft.form().check_field(field, today()).err());
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if grant.pending().get_untracked() {
            return;
        }
        let f = draft.form();
        match f.validate(today()) {
            Ok(_) if draft.checked(organisation) && f.files.is_empty() => {
                errors.set_field("files", Some(BASIS_SCAN_NEEDED.to_string()));
            }
            Ok(_) => {
                done.set(None);
                grant.dispatch(GrantAccess { form: f });
            }
            Err(e) => errors.show::<()>(&Err(crate::error::AppError::Fields(e))),
        }
    };
    let chosen = move || draft.scope.get() == "chosen";
    let no_policies = policies.is_empty();
    view! {
        <section aria-labelledby="grant-title">
            <h2 id="grant-title">"Выдать доступ"</h2>
            <p class="muted">"Человек получит приглашение на указанный адрес или телефон. Доступ начнёт действовать, когда он войдёт в кабинет со своим СНИЛС или ИНН и примет приглашение."</p>
            <div aria-live="polite">
                {move || done.get().map(|m| view! { <div class="alert alert-ok" role="status">{m}</div> })}
            </div>
            <noscript><p class="alert alert-error">"Чтобы выдать доступ, включите JavaScript в браузере."</p></noscript>
            <form class="form grant-form" on:submit=submit novalidate>
                <FormAlert errors/>
                <MchdPicker draft errors/>
                <Field label="ФИО получателя" name="full_name" errors value=draft.full_name
                    autocomplete="off" on_blur=check("full_name")/>
                <div class="row-2">
                    <Field label="СНИЛС или ИНН получателя" name="id_number" errors value=draft.id_number
                        inputmode="numeric" on_blur=check("id_number") hint="СНИЛС — 11 цифр, ИНН — 12 цифр"/>
                    <Field label="Электронная почта или телефон получателя" name="contact" errors value=draft.contact
                        on_blur=check("contact") hint="Туда придёт приглашение; принять его сможет только тот, у кого в кабинете этот контакт"/>
                </div>
                <fieldset class="field" class:field-invalid=move || errors.field("role").is_some()>
                    <legend>"Кем будет этот человек"</legend>
                    {GRANTABLE.iter().filter(|r| organisation || **r != AuthorityRole::Representative).map(|r| {
                        let code = r.code();
                        view! {
                            <label class="radio">
                                <input type="radio" name="role" value=code
                                    prop:checked=move || draft.role.get() == code
                                    on:change=move |_| { draft.role.set(code.to_string()); errors.set_field("role", None); }/>
                                {r.label()}
                            </label>
                        }
                    }).collect_view()}
                    <p class="field-error" id="f-role-error">{move || errors.field("role")}</p>
                    <Show when=move || draft.role.get() == "trusted" && !organisation>
                        <label class="checkbox">
                            <input type="checkbox" id="f-notarised" name="notarised"
                                prop:checked=move || draft.notarised.get()
                                on:change=move |ev| draft.notarised.set(event_target_checked(&ev))/>
                            "Доверенность удостоверена нотариусом"
                        </label>
                    </Show>
                </fieldset>
                <fieldset class="field">
                    <legend>"Что можно, кроме просмотра"</legend>
                    <Check label="Подавать отчёты и запросы" name="report" value=draft.report errors/>
                    <Check label="Оплачивать задолженности" name="pay" value=draft.pay errors/>
                    <Check label="Передоверять: выдавать доступ другим" name="delegate" value=draft.delegate errors/>
                </fieldset>
                <fieldset class="field" class:field-invalid=move || errors.field("policies").is_some()>
                    <legend>"Полисы"</legend>
                    <label class="radio">
                        <input type="radio" name="scope" value="all"
                            prop:checked=move || !chosen()
                            on:change=move |_| { draft.scope.set("all".into()); errors.set_field("policies", None); }/>
                        "Все полисы, в том числе будущие"
                    </label>
                    <label class="radio">
                        <input type="radio" name="scope" value="chosen" disabled=no_policies
                            prop:checked=chosen
                            on:change=move |_| { draft.scope.set("chosen".into()); errors.set_field("policies", None); }/>
                        "Только отмеченные"
                    </label>
                    <Show when=chosen>
                        <div class="choices">
                            {policies.iter().map(|p| {
                                let id = StoredValue::new(p.id.clone());
                                view! {
                                    <label class="checkbox">
                                        <input type="checkbox" name="policies" value=p.id.clone()
                                            prop:checked=move || id.with_value(|i| draft.policies.with(|s| s.contains(i)))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                id.with_value(|i| draft.policies.update(|s| {
                                                    s.retain(|x| x != i);
                                                    if on { s.push(i.clone()); }
                                                }));
                                                errors.set_field("policies", None);
                                            }/>
                                        {format!("{} — {}", p.number, p.programme)}
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                    </Show>
                    <p class="field-error" id="f-policies-error" role="alert">{move || errors.field("policies")}</p>
                </fieldset>
                <div class="row-2">
                    <Field label="Действует с" name="valid_from" kind="date" errors value=draft.valid_from
                        on_blur=check("valid_from") hint="Пусто — с сегодняшнего дня"/>
                    <Field label="Действует по" name="valid_to" kind="date" errors value=draft.valid_to
                        on_blur=check("valid_to") hint="Пусто — до отзыва; не более 5 лет"/>
                </div>
                <Field label="Основание" name="basis" errors value=draft.basis on_blur=check("basis")
                    hint="Документ, его номер и дата: «Доверенность № 77 АА 1234567 от 01.12.2026», «Агентский договор № 15 от 01.12.2026»"/>
                <FileUpload label="Скан основания" name="files" files=draft.files errors busy=draft.busy
                    hint="PDF, JPEG или PNG до 5 МБ, до 5 файлов. Для организации, её представителя и нотариальной доверенности обязателен: сотрудник страховщика сверит его с основанием"/>
                <Show when=move || draft.checked(organisation)>
                    <p class="alert alert-info" id="f-check-note">"Доступ начнёт действовать после того, как сотрудник страховщика проверит основание (обычно в течение рабочего дня) и получатель примет приглашение."</p>
                </Show>
                <button type="submit" class="btn btn-primary" disabled=move || grant.pending().get() || draft.busy.get()>
                    {move || if grant.pending().get() { "Отправляем…" } else { "Выдать доступ" }}
                </button>
            </form>
        </section>
    }
}

/// «Заполнить по МЧД»: a machine-readable power of attorney (XML, unified format EMCHD_1) chosen
/// here is read and checked on the server; the form takes the representative, the end date and
/// the basis from it, and the page says what was read (principal, powers). Every field stays
/// editable; nothing is sent until «Выдать доступ».
#[component]
fn MchdPicker(draft: Draft, errors: FormErrors) -> impl IntoView {
    let read = RwSignal::new(None::<MchdFill>);
    let busy = RwSignal::new(false);
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let Ok(data) = web_sys::FormData::new() else {
                return;
            };
            if data.append_with_blob("file", &file).is_err() {
                return;
            }
            busy.set(true);
            errors.set_field("mchd", None);
            leptos::task::spawn_local(async move {
                let answer = super::read_mchd(data.into()).await;
                busy.set(false);
                match answer {
                    Ok(fill) => {
                        draft.full_name.set(fill.full_name.clone());
                        draft.id_number.set(fill.id_number.clone());
                        draft.valid_to.set(fill.valid_to.clone());
                        draft.basis.set(fill.basis.clone());
                        if !fill.may_redelegate {
                            draft.delegate.set(false);
                        }
                        for f in ["full_name", "id_number", "valid_to", "basis"] {
                            errors.set_field(f, None);
                        }
                        read.set(Some(fill));
                    }
                    Err(e) => {
                        read.set(None);
                        let message = match e {
                            crate::error::AppError::Fields(f) => {
                                f.0.into_iter()
                                    .map(|x| x.message)
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            }
                            other => other.to_string(),
                        };
                        errors.set_field("mchd", Some(message));
                    }
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, draft, errors);
    };
    view! {
        <div class="field" class:field-invalid=move || errors.field("mchd").is_some()>
            <label for="f-mchd">"Машиночитаемая доверенность (МЧД), если она есть"</label>
            <p class="hint" id="f-mchd-hint">"Файл XML в едином формате ФНС (EMCHD_1). Из него заполнятся ФИО и СНИЛС представителя, срок и основание; доверенность должна быть выдана этим страхователем и действовать сегодня."</p>
            <input type="file" id="f-mchd" name="mchd" accept=".xml,application/xml,text/xml"
                aria-describedby="f-mchd-hint f-mchd-error" on:change=on_change/>
            <p class="muted" role="status">{move || busy.get().then_some("Читаем доверенность…")}</p>
            <p class="field-error" id="f-mchd-error" role="alert">{move || errors.field("mchd")}</p>
            {move || read.get().map(|m| view! {
                <div class="alert alert-ok" role="status">
                    <p>{format!("Прочитана {}. Доверитель: {}.", m.basis, m.principal)}</p>
                    <p>{format!("Полномочия: {}.", m.powers.join("; "))}</p>
                    {(!m.may_redelegate).then(|| view! { <p>"Передоверие доверенностью не разрешено."</p> })}
                    <p>"Проверьте поля ниже, отметьте права и выдайте доступ."</p>
                </div>
            })}
        </div>
    }
}
