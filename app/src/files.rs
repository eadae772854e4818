//! Attaching files to a form: the upload server function and the «Добавить файл» widget. Each
//! chosen file is checked by name and size at once, then sent on its own (XMLHttpRequest, for
//! its upload progress) to the typed server function, which checks the content; the widget
//! lists the files with a progress bar, an error naming the file, and «Удалить». The form keeps
//! only the ids; the feature links them to its object when it is submitted.

use crate::components::FormErrors;
use crate::error::AppError;
pub use domain::files::Attachment;
use domain::files::{ACCEPT, MAX_FILES, format_size};
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

/// Takes one file (multipart fields `file`, and `field`: the form field to name in an error).
/// The file is read up to one byte over the limit, so a bigger one is refused without being held.
#[server(input = MultipartFormData, endpoint = "files/upload", output = crate::codec::Postcard)]
pub async fn upload_file(data: MultipartData) -> Result<Attachment, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let Some(mut form) = data.into_inner() else {
        return fail(internal("multipart body missing"));
    };
    let limit = domain::files::MAX_FILE_BYTES as usize + 1;
    let (mut field_name, mut name, mut bytes) = ("files".to_string(), String::new(), Vec::new());
    while let Ok(Some(mut field)) = form.next_field().await {
        match field.name() {
            Some("field") => {
                let text = field.text().await.unwrap_or_default();
                if !text.is_empty()
                    && text.len() <= 40
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                {
                    field_name = text;
                }
            }
            Some("file") => {
                name = field.file_name().unwrap_or("файл").to_string();
                bytes = read_capped(&mut field, limit).await;
            }
            _ => {}
        }
    }
    match store()?
        .upload_attachment(&s.account_id, &field_name, &name, &bytes)
        .await
    {
        Ok(file) => Ok(file),
        Err(e) => fail(e.into()),
    }
}

/// A multipart field's bytes, at most `limit` of them: the rest is read and dropped, so a file
/// over the limit is refused by its size check without being held whole.
#[cfg(feature = "ssr")]
pub async fn read_capped(field: &mut multer::Field<'static>, limit: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    while let Ok(Some(chunk)) = field.chunk().await {
        let room = limit.saturating_sub(bytes.len());
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    bytes
}

/// Where the widget posts a file: [`upload_file`]'s own address.
#[cfg(feature = "hydrate")]
fn upload_url() -> &'static str {
    <UploadFile as leptos::server_fn::ServerFn>::PATH
}

/// One line of the widget.
#[derive(Clone, Debug, PartialEq)]
struct Line {
    key: u32,
    name: String,
    size: u64,
    /// 0..=100 while uploading.
    progress: Option<u8>,
    error: Option<String>,
    done: Option<Attachment>,
}

/// «Добавить файл»: `files` holds the uploaded files (the form's value); `name` is the form
/// field errors are reported under; `busy` is true while anything is still uploading (forms
/// should not submit then).
#[component]
pub fn FileUpload(
    #[prop(into)] label: String,
    name: &'static str,
    files: RwSignal<Vec<Attachment>>,
    errors: FormErrors,
    #[prop(optional)] busy: Option<RwSignal<bool>>,
    #[prop(optional, into)] hint: Option<String>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let lines = RwSignal::new(Vec::<Line>::new());
    let next_key = StoredValue::new(0u32);
    // Files already in the form (a draft) are shown as done.
    Effect::new(move |_| {
        let have = files.get();
        lines.update(|ls| {
            ls.retain(|l| l.done.is_none() || have.iter().any(|f| Some(f) == l.done.as_ref()));
            for f in have {
                if !ls.iter().any(|l| l.done.as_ref() == Some(&f)) {
                    let key = next_key.get_value();
                    next_key.set_value(key + 1);
                    ls.push(Line {
                        key,
                        name: f.name.clone(),
                        size: f.size as u64,
                        progress: None,
                        error: None,
                        done: Some(f),
                    });
                }
            }
        });
    });
    if let Some(busy) = busy {
        Effect::new(move |_| busy.set(lines.with(|ls| ls.iter().any(|l| l.progress.is_some()))));
    }
    let error = move || errors.field(name);
    let remove = move |key: u32| {
        let gone = lines.with_untracked(|ls| ls.iter().find(|l| l.key == key).cloned());
        lines.update(|ls| ls.retain(|l| l.key != key));
        if let Some(f) = gone.and_then(|l| l.done) {
            files.update(|fs| fs.retain(|x| x.id != f.id));
        }
    };
    let on_change = move |ev: leptos::ev::Event| {
        errors.set_field(name, None);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(list) = input.files() else { return };
            for i in 0..list.length() {
                let Some(file) = list.get(i) else { continue };
                let key = next_key.get_value();
                next_key.set_value(key + 1);
                let count =
                    lines.with_untracked(|ls| ls.iter().filter(|l| l.error.is_none()).count());
                let size = file.size() as u64;
                let mut line = Line {
                    key,
                    name: domain::files::clean_name(&file.name()),
                    size,
                    progress: Some(0),
                    error: None,
                    done: None,
                };
                let check = if count >= MAX_FILES {
                    Err(format!("Можно прикрепить не больше {MAX_FILES} файлов"))
                } else {
                    domain::files::check_before_upload(&file.name(), size)
                };
                if let Err(m) = check {
                    line.progress = None;
                    line.error = Some(m);
                    lines.update(|ls| ls.push(line));
                    continue;
                }
                lines.update(|ls| ls.push(line));
                send(file, name, key, lines, files);
            }
            input.set_value("");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let described = {
        let (err_id, hint_id) = (err_id.clone(), hint_id.clone());
        move || {
            let mut ids = vec![hint_id.clone()];
            if error().is_some() {
                ids.push(err_id.clone());
            }
            ids.join(" ")
        }
    };
    let hint = hint.unwrap_or_else(|| {
        format!("PDF, JPEG или PNG, каждый не больше 5 МБ, до {MAX_FILES} файлов")
    });
    view! {
        <div class="field file-upload" class:field-invalid=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            <p class="hint" id=hint_id>{hint}</p>
            <input id=id type="file" multiple accept=ACCEPT on:change=on_change
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described/>
            <p class="field-error" id=err_id>{error}</p>
            <ul class="file-list" aria-live="polite">
                <For each=move || lines.get() key=|l| (l.key, l.progress, l.error.clone(), l.done.is_some()) let:line>
                    {
                        let key = line.key;
                        let shown = format!("{} · {}", line.name, format_size(line.size));
                        let label = format!("Удалить {}", line.name);
                        view! {
                            <li class="file-line" class:file-failed=line.error.is_some()>
                                {match &line.done {
                                    Some(f) => view! { <a href=f.href() download>{shown}</a> }.into_any(),
                                    None => view! { <span>{shown}</span> }.into_any(),
                                }}
                                {line.progress.map(|p| view! {
                                    <progress max="100" value=p aria-label=format!("Загрузка {}", line.name)>{format!("{p}%")}</progress>
                                })}
                                {line.done.is_some().then(|| view! { <span class="file-ok">"загружен"</span> })}
                                {line.error.clone().map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                                <button type="button" class="btn btn-link" aria-label=label
                                    disabled=line.progress.is_some()
                                    on:click=move |_| remove(key)>"Удалить"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
        </div>
    }
}

/// Posts one file with progress; the line shows how it went.
#[cfg(feature = "hydrate")]
fn send(
    file: web_sys::File,
    field: &'static str,
    key: u32,
    lines: RwSignal<Vec<Line>>,
    files: RwSignal<Vec<Attachment>>,
) {
    use leptos::server::codee::Decoder;
    use leptos::server::codee::binary::PostcardCodec;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let set = move |f: &dyn Fn(&mut Line)| {
        lines.update(|ls| {
            if let Some(l) = ls.iter_mut().find(|l| l.key == key) {
                f(l);
            }
        })
    };
    let fail = move |m: String| {
        set(&|l: &mut Line| {
            l.progress = None;
            l.error = Some(m.clone());
        })
    };
    let (Ok(xhr), Ok(form)) = (web_sys::XmlHttpRequest::new(), web_sys::FormData::new()) else {
        fail("Браузер не может отправить файл".into());
        return;
    };
    let _ = form.append_with_str("field", field);
    let _ = form.append_with_blob_and_filename("file", &file, &file.name());
    if xhr.open("POST", upload_url()).is_err() {
        fail("Браузер не может отправить файл".into());
        return;
    }
    let _ = xhr.set_request_header("Accept", "application/x-postcard");
    xhr.set_response_type(web_sys::XmlHttpRequestResponseType::Arraybuffer);
    if let Ok(upload) = xhr.upload() {
        let progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    let p = ((e.loaded() / e.total()) * 100.0).clamp(0.0, 99.0) as u8;
                    set(&|l: &mut Line| l.progress = Some(p));
                }
            });
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        progress.forget();
    }
    let done_xhr = xhr.clone();
    let done = Closure::<dyn FnMut()>::new(move || {
        let status = done_xhr.status().unwrap_or(0);
        // The answer and the error are postcard, as every server function's (`crate::codec`).
        let body = done_xhr
            .response()
            .map(|b| web_sys::js_sys::Uint8Array::new(&b).to_vec())
            .unwrap_or_default();
        if status == 200 {
            match <PostcardCodec as Decoder<Attachment>>::decode(&body) {
                Ok(f) => {
                    set(&|l: &mut Line| {
                        l.progress = None;
                        l.done = Some(f.clone());
                    });
                    files.update(|fs| fs.push(f));
                }
                Err(_) => fail("Сервер ответил непонятно, попробуйте ещё раз".into()),
            }
        } else {
            let message = match <PostcardCodec as Decoder<AppError>>::decode(&body) {
                Ok(AppError::Fields(f)) => {
                    f.0.first()
                        .map(|e| e.message.clone())
                        .unwrap_or_else(|| "Файл не принят".into())
                }
                Ok(e) => e.to_string(),
                Err(_) if status == 413 => "Файл больше 5 МБ".to_string(),
                Err(_) => "Файл не загрузился, попробуйте ещё раз".to_string(),
            };
            fail(message);
        }
    });
    xhr.set_onload(Some(done.as_ref().unchecked_ref()));
    done.forget();
    let error = Closure::<dyn FnMut()>::new(move || {
        fail("Нет связи с сервером: файл не загрузился, попробуйте ещё раз".into())
    });
    xhr.set_onerror(Some(error.as_ref().unchecked_ref()));
    error.forget();
    if xhr.send_with_opt_form_data(Some(&form)).is_err() {
        fail("Браузер не может отправить файл".into());
    }
}
