"""Spanish for the return path's pages (receipt, check-back, what happens next); merged into ES."""

ES_CHECKBACK = {
    "Site": "Sitio",
    "Check on a report": "Seguimiento de una denuncia",
    "Back to checking on your report": "Volver al seguimiento de su denuncia",
    "What happens next": "Qué pasa ahora",
    "Your report goes to %(name)s.": "Su denuncia llega a %(name)s.",
    ("Reports are usually read within %(num)d day.", "Reports are usually read within %(num)d days."): (
        "Las denuncias suelen leerse en %(num)d día.", "Las denuncias suelen leerse en %(num)d días."),
    "Nobody will contact you unless you leave a way to do so. With your receipt you can come back to see whether your report was read and to read any answer.":
        "Nadie se pondrá en contacto con usted si no deja una forma de hacerlo. Con su comprobante puede volver para ver si su denuncia fue leída y para leer las respuestas.",
    "If you are in immediate danger:": "Si está en peligro inmediato:",
    "Your receipt": "Su comprobante",
    "These eight words let you come back to this report: to see whether it was read, to read the answer of the organisation and to add information. This is the only time they are shown.":
        "Estas ocho palabras le permiten volver a esta denuncia: para ver si fue leída, leer la respuesta de la organización y agregar información. Es la única vez que se muestran.",
    "Write the words down, on paper or somewhere only you can reach.":
        "Anote las palabras, en papel o en un lugar al que solo usted tenga acceso.",
    "Keep them away from other people: anyone who has them can read the answers to your report.":
        "No las comparta con nadie: quien las tenga puede leer las respuestas a su denuncia.",
    "If you lose them, nobody can give them back to you, and you cannot read the answers.":
        "Si las pierde, nadie puede dárselas de nuevo y no podrá leer las respuestas.",
    "This report was already received": "Esta denuncia ya fue recibida",
    "The same form was sent again (for example by reloading the page). Nothing was stored twice. The receipt was shown once, when the report arrived; it cannot be shown again.":
        "El mismo formulario se envió otra vez (por ejemplo, al recargar la página). No se guardó nada dos veces. El comprobante se mostró una sola vez, cuando llegó la denuncia; no se puede mostrar de nuevo.",
    "No report matches these words": "Ninguna denuncia corresponde a estas palabras",
    "Check that you typed the eight words of your receipt, in order, and try again. Capital letters, accents and extra spaces do not matter.":
        "Revise que escribió las ocho palabras de su comprobante, en orden, e inténtelo de nuevo. Las mayúsculas, los acentos y los espacios de más no importan.",
    "Type the eight words of the receipt you were given when you sent your report. You will see whether it was read, and any answer from the organisation.":
        "Escriba las ocho palabras del comprobante que recibió al enviar su denuncia. Verá si fue leída y las respuestas de la organización.",
    "Your receipt (eight words)": "Su comprobante (ocho palabras)",
    "The words are only used to find your report and are not kept by this site.":
        "Las palabras solo se usan para encontrar su denuncia; este sitio no las guarda.",
    "Check": "Consultar",
    "Your report": "Su denuncia",
    "Where it is": "Dónde está",
    "Received on %(day)s.": "Recibida el %(day)s.",
    "Not yet delivered to the reviewers.": "Todavía no se entregó a las personas que revisan.",
    "Delivered to the reviewers on %(day)s.": "Entregada a las personas que revisan el %(day)s.",
    "Not yet read by the reviewers.": "Todavía no fue leída por las personas que revisan.",
    "Read by the reviewers on %(day)s.": "Leída por las personas que revisan el %(day)s.",
    ("%(num)d answer is available below.", "%(num)d answers are available below."): (
        "Hay %(num)d respuesta disponible más abajo.", "Hay %(num)d respuestas disponibles más abajo."),
    "No answer yet.": "Todavía no hay respuesta.",
    "Answers from the organisation": "Respuestas de la organización",
    "Written on %(day)s": "Escrita el %(day)s",
    "This page is not kept by your browser or by this site. Close this window when you are done.":
        "Ni su navegador ni este sitio guardan esta página. Cierre esta ventana cuando termine.",
    "Your report and files were encrypted in your browser before they were sent. Only the reviewers of the organisation can open them, on a computer that is not connected to the internet.":
        "Su denuncia y sus archivos se cifraron en su navegador antes de enviarse. Solo las personas que revisan en la organización pueden abrirlos, en una computadora que no está conectada a internet.",
    "Nothing to add": "Nada que agregar",
    "Please write a message or choose a file. Nothing was saved.": "Escriba un mensaje o elija un archivo. No se guardó nada.",
    "Too many files": "Demasiados archivos",
    "Your message was received": "Recibimos su mensaje",
    "It was encrypted as it arrived and added to your report. Your receipt stays the same: use it to check on your report.":
        "Se cifró al llegar y se agregó a su denuncia. Su comprobante sigue siendo el mismo: úselo para dar seguimiento a su denuncia.",
    "Add information": "Agregar información",
    "You can send a message or files to add to your report. They are encrypted as they arrive, like your report.":
        "Puede enviar un mensaje o archivos para agregar a su denuncia. Se cifran al llegar, como su denuncia.",
    "Your message": "Su mensaje",
    "Files (optional)": "Archivos (opcional)",
    "Send": "Enviar",
    "Answers available below: %(num)s.": "Respuestas disponibles más abajo: %(num)s.",
    "Please try again in a minute": "Inténtelo de nuevo en un minuto",
    "Many people are checking on reports right now. Nothing was wrong with what you typed. Please wait a minute and try again.":
        "Muchas personas están consultando denuncias en este momento. Lo que escribió no tenía ningún problema. Espere un minuto e inténtelo de nuevo.",
    "You can send a message or files to add to your report. They are encrypted in your browser, before they leave this device: the site only ever receives encrypted data.":
        "Puede enviar un mensaje o archivos para agregar a su denuncia. Se cifran en su navegador antes de salir de este dispositivo: el sitio solo recibe datos cifrados.",
    "Your message was not sent": "Su mensaje no se envió",
    "Send the message to be encrypted by the site instead": "Enviar el mensaje para que lo cifre el sitio",
    "It was encrypted in your browser before it was sent, and added to your report. Your receipt stays the same: use it to check on your report.":
        "Se cifró en su navegador antes de enviarse y se agregó a su denuncia. Su comprobante sigue siendo el mismo: úselo para dar seguimiento a su denuncia.",
    "Encrypting and sending your message…": "Cifrando y enviando su mensaje…",
    "Storing your message…": "Guardando su mensaje…",
}
