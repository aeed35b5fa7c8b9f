//! Every string the widget shows, from one catalogue per language.

/// Declares `Strings` and `Strings::entries` from one list of fields, so the tests walk every
/// field, including ones added later.
macro_rules! catalogue {
    ($($field:ident),* $(,)?) => {
        /// The widget's UI strings.
        #[derive(Debug)]
        pub struct Strings {
            $(pub $field: &'static str,)*
        }

        impl Strings {
            /// Every string with its field name.
            pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($field), self.$field)),*]
            }
        }
    };
}

catalogue! {
    title_fallback, talk_to_person, close, welcome, composer_label, composer_placeholder, send, sending,
    sent, failed, retry, assistant_typing, agent_typing, you, assistant, agent, system, transcript_label,
    queued, position, wait_minutes, with_agent, awaiting_reply, resolved, reconnecting, starting,
    start_failed, try_again, chars_left, opens_new_tab, email_label, email_submit, email_thanks,
    email_invalid, rate_prompt, rate_star, rate_comment_label, rate_submit, rate_thanks, new_conversation,
    offline, err_network, err_busy, err_server, err_too_long, err_empty, err_closed, err_other,
    while_you_wait, keep_writing,
    transcript_open, transcript_send, transcript_sent, reopen_used, reopen_expired, reopen_invalid,
}

/// English, the fallback for every other language.
pub const EN: Strings = Strings {
    title_fallback: "Payment help",
    talk_to_person: "Talk to a person",
    close: "Close chat",
    welcome: "Hi! I'm an automated assistant. Ask me about payments, refunds or your orders. A person is always one click away.",
    composer_label: "Your message",
    composer_placeholder: "Type your question…",
    send: "Send",
    sending: "Sending…",
    sent: "Sent",
    failed: "Not sent",
    retry: "Retry",
    assistant_typing: "The assistant is typing…",
    agent_typing: "{name} is typing…",
    you: "You",
    assistant: "Assistant",
    agent: "Agent",
    system: "Update",
    transcript_label: "Conversation",
    queued: "You're in the queue for a person.",
    position: "Position {n} in the queue.",
    wait_minutes: "Estimated wait: about {n} min.",
    with_agent: "{name} has joined the conversation.",
    awaiting_reply: "No one is available right now. Leave your email and we'll reply within 24 hours.",
    resolved: "This conversation has ended.",
    reconnecting: "Connection lost. Reconnecting…",
    starting: "Connecting…",
    start_failed: "We couldn't start the chat.",
    try_again: "Try again",
    chars_left: "{n} characters left",
    opens_new_tab: "(opens in a new tab)",
    email_label: "Your email address",
    email_submit: "Leave message",
    email_thanks: "Thanks. We'll reply to {email} within 24 hours.",
    email_invalid: "Please enter a valid email address, like name@example.com.",
    rate_prompt: "How did we do?",
    rate_star: "{n} out of 5",
    rate_comment_label: "Anything to add? (optional)",
    rate_submit: "Send rating",
    rate_thanks: "Thank you for your feedback.",
    new_conversation: "Start a new conversation",
    offline: "You're offline. Your messages will be sent when you're back online.",
    err_network: "We couldn't reach the server. Check your connection; we'll keep trying.",
    err_busy: "We're very busy right now. Please try again in a moment.",
    err_server: "Something went wrong on our side. Please try again.",
    err_too_long: "That message is too long. Please split it into shorter messages.",
    err_empty: "The message is empty.",
    err_closed: "This conversation has ended. Start a new conversation to continue.",
    err_other: "That didn't work. Please try again, or talk to a person.",
    while_you_wait: "While you wait",
    keep_writing: "You can keep writing: the team will see your messages, and I'll still answer questions about your payments meanwhile.",
    transcript_open: "Email me this conversation",
    transcript_send: "Send",
    transcript_sent: "Thanks. We're emailing you this conversation.",
    reopen_used: "That email link was already used: each link opens the conversation once.",
    reopen_expired: "That email link has expired. You can start a new conversation here.",
    reopen_invalid: "That email link doesn't work. You can start a new conversation here.",
};

/// Swedish.
pub const SV: Strings = Strings {
    title_fallback: "Betalningshjälp",
    talk_to_person: "Prata med en person",
    close: "Stäng chatten",
    welcome: "Hej! Jag är en automatisk assistent. Fråga mig om betalningar, återbetalningar eller dina beställningar. En person finns alltid ett klick bort.",
    composer_label: "Ditt meddelande",
    composer_placeholder: "Skriv din fråga…",
    send: "Skicka",
    sending: "Skickar…",
    sent: "Skickat",
    failed: "Inte skickat",
    retry: "Försök igen",
    assistant_typing: "Assistenten skriver…",
    agent_typing: "{name} skriver…",
    you: "Du",
    assistant: "Assistent",
    agent: "Handläggare",
    system: "Uppdatering",
    transcript_label: "Konversation",
    queued: "Du står i kö för att prata med en person.",
    position: "Plats {n} i kön.",
    wait_minutes: "Beräknad väntetid: cirka {n} min.",
    with_agent: "{name} har anslutit till konversationen.",
    awaiting_reply: "Ingen är tillgänglig just nu. Lämna din e-postadress så svarar vi inom 24 timmar.",
    resolved: "Konversationen är avslutad.",
    reconnecting: "Anslutningen bröts. Ansluter igen…",
    starting: "Ansluter…",
    start_failed: "Vi kunde inte starta chatten.",
    try_again: "Försök igen",
    chars_left: "{n} tecken kvar",
    opens_new_tab: "(öppnas i en ny flik)",
    email_label: "Din e-postadress",
    email_submit: "Lämna meddelande",
    email_thanks: "Tack. Vi svarar till {email} inom 24 timmar.",
    email_invalid: "Ange en giltig e-postadress, till exempel namn@example.com.",
    rate_prompt: "Hur gick det?",
    rate_star: "{n} av 5",
    rate_comment_label: "Något att tillägga? (valfritt)",
    rate_submit: "Skicka betyg",
    rate_thanks: "Tack för din återkoppling.",
    new_conversation: "Starta en ny konversation",
    offline: "Du är offline. Dina meddelanden skickas när du är online igen.",
    err_network: "Vi når inte servern. Kontrollera din anslutning, vi fortsätter att försöka.",
    err_busy: "Vi har mycket att göra just nu. Försök igen om en liten stund.",
    err_server: "Något gick fel hos oss. Försök igen.",
    err_too_long: "Meddelandet är för långt. Dela upp det i kortare meddelanden.",
    err_empty: "Meddelandet är tomt.",
    err_closed: "Den här konversationen är avslutad. Starta en ny konversation för att fortsätta.",
    err_other: "Det fungerade inte. Försök igen eller prata med en person.",
    while_you_wait: "Medan du väntar",
    keep_writing: "Du kan fortsätta skriva: teamet ser dina meddelanden, och jag svarar på frågor om dina betalningar under tiden.",
    transcript_open: "Mejla mig konversationen",
    transcript_send: "Skicka",
    transcript_sent: "Tack. Vi mejlar konversationen till dig.",
    reopen_used: "Länken i mejlet har redan använts: varje länk öppnar konversationen en gång.",
    reopen_expired: "Länken i mejlet har gått ut. Du kan starta en ny konversation här.",
    reopen_invalid: "Länken i mejlet fungerar inte. Du kan starta en ny konversation här.",
};

/// German.
pub const DE: Strings = Strings {
    title_fallback: "Hilfe zur Zahlung",
    talk_to_person: "Mit einem Menschen sprechen",
    close: "Chat schließen",
    welcome: "Hallo! Ich bin ein automatischer Assistent. Frag mich zu Zahlungen, Erstattungen oder deinen Bestellungen. Ein Mensch ist immer nur einen Klick entfernt.",
    composer_label: "Deine Nachricht",
    composer_placeholder: "Deine Frage…",
    send: "Senden",
    sending: "Wird gesendet…",
    sent: "Gesendet",
    failed: "Nicht gesendet",
    retry: "Erneut versuchen",
    assistant_typing: "Der Assistent schreibt…",
    agent_typing: "{name} schreibt…",
    you: "Sie",
    assistant: "Assistent",
    agent: "Mitarbeiter",
    system: "Hinweis",
    transcript_label: "Unterhaltung",
    queued: "Sie sind in der Warteschlange für einen Menschen.",
    position: "Platz {n} in der Warteschlange.",
    wait_minutes: "Geschätzte Wartezeit: etwa {n} Min.",
    with_agent: "{name} ist der Unterhaltung beigetreten.",
    awaiting_reply: "Gerade ist niemand erreichbar. Hinterlass deine E-Mail-Adresse, wir antworten innerhalb von 24 Stunden.",
    resolved: "Diese Unterhaltung ist beendet.",
    reconnecting: "Verbindung unterbrochen. Verbinde erneut…",
    starting: "Verbinde…",
    start_failed: "Wir konnten den Chat nicht starten.",
    try_again: "Erneut versuchen",
    chars_left: "Noch {n} Zeichen",
    opens_new_tab: "(öffnet in einem neuen Tab)",
    email_label: "Deine E-Mail-Adresse",
    email_submit: "Nachricht hinterlassen",
    email_thanks: "Danke. Wir antworten an {email} innerhalb von 24 Stunden.",
    email_invalid: "Bitte gib eine gültige E-Mail-Adresse ein, z. B. name@example.com.",
    rate_prompt: "Wie war unsere Hilfe?",
    rate_star: "{n} von 5",
    rate_comment_label: "Möchtest du etwas ergänzen? (optional)",
    rate_submit: "Bewertung senden",
    rate_thanks: "Vielen Dank für dein Feedback.",
    new_conversation: "Neue Unterhaltung beginnen",
    offline: "Du bist offline. Deine Nachrichten werden gesendet, sobald du wieder online bist.",
    err_network: "Wir erreichen den Server nicht. Prüfe deine Verbindung, wir versuchen es weiter.",
    err_busy: "Gerade ist sehr viel los. Bitte versuche es gleich noch einmal.",
    err_server: "Bei uns ist etwas schiefgegangen. Bitte versuche es noch einmal.",
    err_too_long: "Die Nachricht ist zu lang. Bitte teile sie in kürzere Nachrichten auf.",
    err_empty: "Die Nachricht ist leer.",
    err_closed: "Dieses Gespräch ist beendet. Starte ein neues Gespräch, um weiterzuschreiben.",
    err_other: "Das hat nicht geklappt. Bitte versuche es noch einmal oder sprich mit einem Menschen.",
    while_you_wait: "Während du wartest",
    keep_writing: "Du kannst weiterschreiben: Das Team sieht deine Nachrichten, und ich beantworte in der Zwischenzeit weiter Fragen zu deinen Zahlungen.",
    transcript_open: "Gespräch per E-Mail senden",
    transcript_send: "Senden",
    transcript_sent: "Danke. Wir schicken dir das Gespräch per E-Mail.",
    reopen_used: "Der Link aus der E-Mail wurde schon verwendet: Jeder Link öffnet das Gespräch nur einmal.",
    reopen_expired: "Der Link aus der E-Mail ist abgelaufen. Du kannst hier ein neues Gespräch starten.",
    reopen_invalid: "Der Link aus der E-Mail funktioniert nicht. Du kannst hier ein neues Gespräch starten.",
};

/// Arabic (right to left; the widget sets `dir="rtl"`).
pub const AR: Strings = Strings {
    title_fallback: "المساعدة في الدفع",
    talk_to_person: "التحدث إلى شخص",
    close: "إغلاق المحادثة",
    welcome: "مرحبًا! أنا مساعد آلي. اسألني عن المدفوعات أو المبالغ المستردة أو طلباتك. يمكنك دائمًا التحدث إلى شخص بنقرة واحدة.",
    composer_label: "رسالتك",
    composer_placeholder: "اكتب سؤالك…",
    send: "إرسال",
    sending: "جارٍ الإرسال…",
    sent: "تم الإرسال",
    failed: "لم يتم الإرسال",
    retry: "إعادة المحاولة",
    assistant_typing: "المساعد يكتب…",
    agent_typing: "{name} يكتب…",
    you: "أنت",
    assistant: "المساعد",
    agent: "موظف الدعم",
    system: "تحديث",
    transcript_label: "المحادثة",
    queued: "أنت في قائمة الانتظار للتحدث إلى شخص.",
    position: "ترتيبك {n} في قائمة الانتظار.",
    wait_minutes: "مدة الانتظار المتوقعة: حوالي {n} دقيقة.",
    with_agent: "انضم {name} إلى المحادثة.",
    awaiting_reply: "لا يوجد أحد متاح الآن. اترك بريدك الإلكتروني وسنرد عليك خلال 24 ساعة.",
    resolved: "انتهت هذه المحادثة.",
    reconnecting: "انقطع الاتصال. جارٍ إعادة الاتصال…",
    starting: "جارٍ الاتصال…",
    start_failed: "تعذّر بدء المحادثة.",
    try_again: "حاول مرة أخرى",
    chars_left: "متبقٍ {n} حرف",
    opens_new_tab: "(يفتح في علامة تبويب جديدة)",
    email_label: "بريدك الإلكتروني",
    email_submit: "ترك رسالة",
    email_thanks: "شكرًا. سنرد على {email} خلال 24 ساعة.",
    email_invalid: "يرجى إدخال بريد إلكتروني صالح، مثل name@example.com.",
    rate_prompt: "كيف كانت تجربتك؟",
    rate_star: "{n} من 5",
    rate_comment_label: "هل تريد إضافة شيء؟ (اختياري)",
    rate_submit: "إرسال التقييم",
    rate_thanks: "شكرًا على ملاحظاتك.",
    new_conversation: "بدء محادثة جديدة",
    offline: "أنت غير متصل بالإنترنت. سيتم إرسال رسائلك عند عودة الاتصال.",
    err_network: "تعذّر الوصول إلى الخادم. يُرجى التحقق من اتصالك، وسنواصل المحاولة.",
    err_busy: "الضغط كبير الآن. يُرجى المحاولة مرة أخرى بعد قليل.",
    err_server: "حدث خطأ من جهتنا. يُرجى المحاولة مرة أخرى.",
    err_too_long: "الرسالة طويلة جدًا. يُرجى تقسيمها إلى رسائل أقصر.",
    err_empty: "الرسالة فارغة.",
    err_closed: "انتهت هذه المحادثة. ابدأ محادثة جديدة للمتابعة.",
    err_other: "لم ينجح ذلك. يُرجى المحاولة مرة أخرى أو التحدث إلى شخص.",
    while_you_wait: "أثناء انتظارك",
    keep_writing: "يمكنك متابعة الكتابة: سيرى الفريق رسائلك، وسأواصل في هذه الأثناء الإجابة عن أسئلتك حول مدفوعاتك.",
    transcript_open: "أرسل لي هذه المحادثة بالبريد الإلكتروني",
    transcript_send: "إرسال",
    transcript_sent: "شكرًا. سنرسل إليك هذه المحادثة بالبريد الإلكتروني.",
    reopen_used: "سبق استخدام الرابط الموجود في الرسالة: كل رابط يفتح المحادثة مرة واحدة فقط.",
    reopen_expired: "انتهت صلاحية الرابط الموجود في الرسالة. يمكنك بدء محادثة جديدة هنا.",
    reopen_invalid: "الرابط الموجود في الرسالة لا يعمل. يمكنك بدء محادثة جديدة هنا.",
};

/// Every catalogue with its language subtag, English first.
pub const CATALOGUES: [(&str, &Strings); 4] = [("en", &EN), ("sv", &SV), ("de", &DE), ("ar", &AR)];

/// The catalogue for a BCP 47 locale, picked by its language subtag (`sv-SE`, `sv_FI` and `SV` are
/// Swedish); English for any language without a catalogue.
pub fn strings(locale: &str) -> &'static Strings {
    let language = locale.split(['-', '_']).next().unwrap_or("").trim();
    CATALOGUES.iter().find(|(tag, _)| tag.eq_ignore_ascii_case(language)).map_or(&EN, |(_, s)| *s)
}

/// Whether the locale's script runs right to left.
pub fn is_rtl(locale: &str) -> bool {
    let language = locale.split(['-', '_']).next().unwrap_or("");
    ["ar", "fa", "he", "ur"].iter().any(|l| l.eq_ignore_ascii_case(language))
}

/// Fills `{name}`-style placeholders.
pub fn fill(template: &str, key: &str, value: &str) -> String {
    template.replace(&format!("{{{key}}}"), value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: &Strings) -> Vec<(&'static str, &'static str)> {
        s.entries()
    }

    fn placeholders(text: &str) -> Vec<String> {
        let mut found: Vec<String> = text
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| format!("{{{name}}}")))
            .collect();
        found.sort();
        found
    }

    #[test]
    fn every_string_of_every_locale_is_there() {
        let en = fields(&EN);
        assert!(en.len() >= 40, "only {} fields", en.len());
        for (tag, catalogue) in CATALOGUES {
            let f = fields(catalogue);
            assert_eq!(f.len(), en.len(), "{tag}");
            for (name, value) in f {
                assert!(!value.trim().is_empty(), "{tag}.{name} is empty");
            }
        }
    }

    #[test]
    fn translations_keep_every_placeholder() {
        let en = fields(&EN);
        for (tag, catalogue) in CATALOGUES {
            for ((name, en_text), (_, text)) in en.iter().zip(fields(catalogue)) {
                assert_eq!(placeholders(text), placeholders(en_text), "{tag}.{name}: {text:?}");
            }
        }
        // The check would see a lost placeholder.
        assert_eq!(placeholders("Position {n} in the queue."), vec!["{n}".to_string()]);
        assert!(placeholders("Plats i kön.").is_empty());
    }

    #[test]
    fn translations_are_translated() {
        let en = fields(&EN);
        for (tag, catalogue) in &CATALOGUES[1..] {
            let same = en.iter().zip(fields(catalogue)).filter(|((_, a), (_, b))| a == b).count();
            assert!(same <= 2, "{tag}: {same} strings are the English ones");
        }
    }

    #[test]
    fn locales_pick_by_language_subtag() {
        assert_eq!(strings("sv").send, "Skicka");
        assert_eq!(strings("sv-SE").send, "Skicka");
        assert_eq!(strings("sv_FI").send, "Skicka");
        assert_eq!(strings("SV").send, "Skicka");
        assert_eq!(strings("de-AT").send, "Senden");
        assert_eq!(strings("ar-EG").send, "إرسال");
        assert_eq!(strings("en-GB").send, "Send");
        assert_eq!(strings("fr-FR").send, "Send");
        assert_eq!(strings("").send, "Send");
        assert_eq!(strings("sve").send, "Send");
    }

    #[test]
    fn arabic_is_right_to_left() {
        assert!(is_rtl("ar"));
        assert!(is_rtl("ar-SA"));
        assert!(!is_rtl("sv-SE"));
        assert!(!is_rtl("arn"));
    }

    #[test]
    fn fill_replaces_placeholders() {
        assert_eq!(fill(SV.position, "n", "2"), "Plats 2 i kön.");
        assert_eq!(fill(AR.agent_typing, "name", "Sara"), "Sara يكتب…");
    }
}
